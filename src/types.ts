import type { Span } from '@opentelemetry/api';
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';

/** How consumer (WhatsApp user) phone numbers and BSUIDs may appear in telemetry. */
export type ConsumerNumberMode = 'omit' | 'hash' | 'raw';

/** What the hooks see of a recognised Graph API request. Never mutate it. */
export interface GraphRequestInfo {
  method: string;
  /** The full request URL, query included: hooks run in your process and may see your own data. */
  url: string;
  operation: string;
  /** Bounded prefix of the request body as sent (may hold SDP and phone numbers: handle with care). */
  body?: string;
}

export interface GraphResponseInfo {
  statusCode?: number;
  headers: Readonly<Record<string, string>>;
  /** Bounded, decoded prefix of the response body as received. */
  body?: string;
}

export interface WhatsAppCallingInstrumentationConfig extends InstrumentationConfig {
  /**
   * Origins (optionally with a path prefix) treated as the Graph API.
   * Default `['https://graph.facebook.com']`. Point it at a proxy or a sandbox in tests.
   */
  graphApiBaseUrls?: string[];
  /** Bytes of each request and response body inspected, at most. Default 65536 (64 KiB). */
  maxBodyBytes?: number;
  /** Consumer phone numbers / BSUIDs in telemetry: `omit` (default), `hash` (HMAC-SHA-256) or `raw`. */
  consumerNumbers?: ConsumerNumberMode;
  /** Key for `consumerNumbers: 'hash'`. Without it a fixed key is used: hashes are then guessable. */
  consumerNumberHashKey?: string;
  /** Called when a WhatsApp operation span is created; failures are caught and logged. */
  requestHook?: (span: Span, request: GraphRequestInfo) => void;
  /** Called before a WhatsApp operation span ends; failures are caught and logged. */
  responseHook?: (span: Span, response: GraphResponseInfo) => void;
}
