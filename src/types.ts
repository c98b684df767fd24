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

export interface WhatsAppCallingInstrumentationConfig extends InstrumentationConfig, CallTrackingConfig {
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
  /**
   * Where Meta's SIP side is (`host:port`). Default `['wa.meta.vc:5061']`. Host names are resolved
   * through DNS in the background (refreshed every 5 min, the last good answer kept) so that every SIP
   * source — the socket tap, the `sip`/drachtio-srf taps and HEP — recognises Meta's addresses too:
   * on this port for connections the app opens, on any port for connections Meta opens to the app.
   */
  sipPeers?: string[];
  /**
   * Receive HEPv3 copies of SIP traffic from an SBC (Kamailio, OpenSIPS, FreeSWITCH) on UDP and TCP:
   * 127.0.0.1 unless `host` says otherwise, auth key checked when set, capped in message size, rate
   * per source and held bytes (drops are counted in `whatsapp.calling.hep.dropped`).
   */
  hep?: import('./sources/sip/hep-receiver').HepConfig;
  /** Called when a WhatsApp operation span is created; failures are caught and logged. */
  requestHook?: (span: Span, request: GraphRequestInfo) => void;
  /** Called before a WhatsApp operation span ends; failures are caught and logged. */
  responseHook?: (span: Span, response: GraphResponseInfo) => void;
}

/** Call lifecycle options (calls are followed across Graph requests, webhooks and SIP). */
export interface CallTrackingConfig {
  /** Per-number concurrent call limit reported beside the active-call gauge. Default 1000. */
  concurrentCallLimit?: number;
  /**
   * Connected business-initiated calls allowed per (number, user) pair in a rolling 24 h. Default 100
   * (Meta raised it from 5 to 10 to 100 in 2025; some Meta texts still say 5 — set it if yours differs).
   * A `GET /call_permissions` reading from Meta overrides it per pair.
   */
  businessInitiatedCallLimit?: number;
  /** Call initiations allowed per number in a rolling 24 h. Default 10000. */
  callInitiationLimit?: number;
  /** A call with no signal for this long is ended with status `unknown`. Default 4 h. */
  callTtlMs?: number;
  /** How long after its terminate a call waits for late or out-of-order deliveries. Default 5 s. */
  callSettleMs?: number;
  /**
   * Where call state lives (each live call's signals, the active set, quota windows). Default: in this
   * process. Every operation on it goes through a guard: bounded in time (`callStoreTimeoutMs`) and
   * count, falling back to local state while it fails (`whatsapp.calling.store.degraded` = 1).
   */
  callStore?: import('./tracker/call-store').CallStore;
  /** How long one call-store operation may take before local state is used instead. Default 1000 ms. */
  callStoreTimeoutMs?: number;
  /**
   * Share call state between app instances through Redis (standalone or Cluster): `{ url }`,
   * `{ cluster: [{ host, port }] }` or `{ client }` (your own ioredis `Redis` / `Cluster`). Needs the
   * `ioredis` package (an optional peer dependency, loaded only when this is set). Every instance then
   * folds each call from all instances' signals, counts it once and reports the same capacity figures;
   * they also agree on the pair-key secret through Redis unless `consumerNumberHashKey` is set. Redis
   * down or slow never reaches the app: see `callStoreTimeoutMs` and `whatsapp.calling.store.degraded`.
   * Takes precedence over `callStore`.
   */
  redis?: import('./store/redis-config').RedisStoreConfig;
  /**
   * Carry the W3C trace context in `biz_opaque_callback_data`: add the active `traceparent` to
   * connect/accept requests that have no callback data (node:http clients and byte bodies of undici;
   * never overwriting an app's own value), and continue that trace in the webhook middleware when
   * Meta echoes it. Off by default: it changes the bytes sent. fetch bodies are streams by the time
   * we see them: use `callbackDataWithTraceContext()` there.
   */
  traceContextInCallbackData?: boolean;
}
