/**
 * The error catalogue: every Graph / Cloud API error code and every SIP status Meta documents for
 * calling, with a title, channel, category and remedy. Pure data and pure functions.
 */
export { CATEGORY_DESCRIPTIONS, ERROR_CATEGORIES, isErrorCategory } from './categories';
export type { ErrorCategory, ErrorChannel, MediaTimeoutKind } from './categories';
export { GRAPH_ERROR_ENTRIES, classifyGraphError, lookupGraphError } from './graph-errors';
export type { GraphErrorClassification, GraphErrorEntry } from './graph-errors';
export { SIP_STATUS_ENTRIES, classifySipResponse, warningText } from './sip-statuses';
export type { SipClassification, SipResponseInput, SipStatusEntry } from './sip-statuses';
