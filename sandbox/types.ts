/** The sandbox's public options and handle. */
import type { IncomingHttpHeaders } from 'node:http';
import type { SandboxWebhooks } from './webhooks';

export interface SandboxOptions {
  /** Serve HTTPS with the test-only self-signed certificate (127.0.0.1, localhost); trust `sandbox.ca`. */
  tls?: boolean;
  /** `facebook-api-version` when the path has no version. Default 'v23.0'. */
  apiVersion?: string;
  /** auto (default): gzip, br or deflate per Accept-Encoding (gzip preferred); off: identity. */
  compression?: 'auto' | 'off';
  /** Calls in progress per phone_number_id before connect answers 138002 (HTTP 429). Default 1000. */
  concurrentCallLimit?: number;
  /** Connected BI calls per (phone_number_id, user) in a rolling 24 h before 138012. Default 100. */
  businessInitiatedCallLimit?: number;
  /** Connects per phone_number_id in a rolling 24 h before 138005 (HTTP 429). Default 10000. */
  callInitiationLimit?: number;
  /** When set, requests without `Authorization: Bearer <it>` (or `access_token=<it>`) get 190 (HTTP 401). */
  accessToken?: string;
  /** Clock in ms for the rolling windows and webhook timestamps. Default Date.now. */
  now?: () => number;
  /** Delay before each response is written. */
  responseDelayMs?: number;
  /** Write the body in several delayed chunks (chunked transfer encoding). */
  slowBody?: boolean;
  /** Keep only the last this many exchanges in `requests` (long demo runs). Default: all. */
  maxRecordedRequests?: number;
}

export interface RecordedRequest {
  method: string;
  /** Path and query as requested. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw request body. */
  body: string;
  /** The parsed body (JSON or form), when there was one. */
  json?: Record<string, unknown>;
  status: number;
  responseHeaders: Record<string, string>;
  /** The JSON text sent (before any content encoding). */
  responseBody: string;
}

export interface FailureMatch {
  /** Only a request whose body has this `action`. */
  action?: string;
  /** Only a request whose path (without query) matches. */
  path?: RegExp;
}

export interface Sandbox {
  /** e.g. 'http://127.0.0.1:41234' ('https://…' with tls). */
  url: string;
  port: number;
  /** PEM of the test certificate (tls only). */
  ca?: string;
  /** Every exchange, in order. */
  requests: RecordedRequest[];
  /** Queues a Meta error: the next request matching `match` answers with `code` instead. */
  failNext(code: number, match?: FailureMatch): void;
  /** Calls in progress for a business number. */
  activeCalls(phoneNumberId: string): number;
  /** Forgets requests, queued failures, calls, windows, settings and permissions. */
  reset(): void;
  close(): Promise<void>;
  webhooks: SandboxWebhooks;
}
