export { WhatsAppCallingInstrumentation } from './instrumentation';
export type {
  ConsumerNumberMode,
  GraphRequestInfo,
  GraphResponseInfo,
  WhatsAppCallingInstrumentationConfig,
} from './types';
export { ERROR_CATEGORIES, classifyGraphError, classifySipResponse, lookupGraphError } from './catalogue';
export type { ErrorCategory } from './catalogue';
export { RedisCallStore } from './store/redis-call-store';
export type { RedisCallStoreOptions } from './store/redis-call-store';
export type { RedisClientLike, RedisStoreConfig } from './store/redis-config';
export { InMemoryCallStore } from './tracker/in-memory-call-store';
export type {
  ActiveCallKey,
  CallStore,
  MetaQuotaReading,
  QuotaWindowRef,
  RecordSignalEffect,
  RecordSignalResult,
  StoredFigures,
} from './tracker/call-store';
export type { StoredSignal } from './events/call-signal';
