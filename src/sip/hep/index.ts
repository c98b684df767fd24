export type { Hep3Packet } from './hep3-decoder';
export { decodeHep3 } from './hep3-decoder';
export type { Hep3PacketInput } from './hep3-encoder';
export { encodeHep3, encodeHep3Chunk, encodeHep3Chunks } from './hep3-encoder';
export { checkHep3Chunks, HEP3_CHUNK_HEADER, HEP3_HEADER, HEP3_MAGIC, HEP3_MAX_PACKET, HepChunkType } from './hep3-format';
export type { Hep3StreamFramerOptions } from './hep-stream-framer';
export { Hep3StreamFramer } from './hep-stream-framer';
export { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from './ip-text';
