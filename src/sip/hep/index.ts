export { decodeHep3, encodeHep3, Hep3StreamFramer, HEP3_HEADER } from './hep3';
export type { Hep3Packet } from './hep3';
