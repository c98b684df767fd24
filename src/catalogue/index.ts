export { CATEGORY_DESCRIPTIONS, ERROR_CATEGORIES } from './categories';
export type { ErrorCategory, MediaTimeoutKind } from './categories';
export { GRAPH_ERROR_ENTRIES, classifyGraphError, lookupGraphError } from './graph-errors';
export type { ErrorChannel, GraphErrorClassification, GraphErrorEntry } from './graph-errors';
export { classifySipResponse } from './sip-statuses';
export type { SipClassification, SipResponseInput } from './sip-statuses';
