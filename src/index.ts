export { WhatsAppCallingInstrumentation } from './instrumentation';
export type {
  ConsumerNumberMode,
  GraphRequestInfo,
  GraphResponseInfo,
  WhatsAppCallingInstrumentationConfig,
} from './types';
export { ERROR_CATEGORIES, classifyGraphError, classifySipResponse, lookupGraphError } from './catalogue';
export type { ErrorCategory } from './catalogue';
