import type { WhatsAppCallingInstrumentationConfig } from './types';

/**
 * Configuration for the `register` entry, from environment variables (the only way to configure
 * `node --import …/register`):
 * - `OTEL_WHATSAPP_GRAPH_API_BASE_URLS`: comma-separated base URLs (default graph.facebook.com)
 * - `OTEL_WHATSAPP_CONSUMER_NUMBERS`: `omit` | `hash` | `raw`
 * - `OTEL_WHATSAPP_CONSUMER_NUMBER_HASH_KEY`: HMAC key for `hash`
 * - `OTEL_WHATSAPP_MAX_BODY_BYTES`: body inspection limit
 * - `OTEL_WHATSAPP_SIP_PEERS`: comma-separated `host:port` SIP peers for the socket tap
 * - `OTEL_WHATSAPP_HEP_PORT` (enables the HEPv3 receiver), `OTEL_WHATSAPP_HEP_HOST`,
 *   `OTEL_WHATSAPP_HEP_AUTH_KEY`, `OTEL_WHATSAPP_HEP_META_ADDRESSES` (comma-separated `ip[:port]`),
 *   and its caps `OTEL_WHATSAPP_HEP_MAX_MESSAGE_BYTES`, `OTEL_WHATSAPP_HEP_MAX_PACKETS_PER_SECOND`,
 *   `OTEL_WHATSAPP_HEP_MAX_BUFFERED_BYTES`, `OTEL_WHATSAPP_HEP_MAX_CONNECTIONS`
 * - `OTEL_WHATSAPP_REDIS_URL`: call state shared by app instances (needs ioredis);
 *   `OTEL_WHATSAPP_CALL_STORE_TIMEOUT_MS`
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): WhatsAppCallingInstrumentationConfig {
  const config: WhatsAppCallingInstrumentationConfig = {};
  const urls = list(env.OTEL_WHATSAPP_GRAPH_API_BASE_URLS);
  if (urls.length) config.graphApiBaseUrls = urls;
  const mode = env.OTEL_WHATSAPP_CONSUMER_NUMBERS?.trim().toLowerCase();
  if (mode === 'omit' || mode === 'hash' || mode === 'raw') config.consumerNumbers = mode;
  if (env.OTEL_WHATSAPP_CONSUMER_NUMBER_HASH_KEY) config.consumerNumberHashKey = env.OTEL_WHATSAPP_CONSUMER_NUMBER_HASH_KEY;
  const max = Number(env.OTEL_WHATSAPP_MAX_BODY_BYTES);
  if (Number.isInteger(max) && max > 0) config.maxBodyBytes = max;
  const peers = list(env.OTEL_WHATSAPP_SIP_PEERS);
  if (peers.length) config.sipPeers = peers;
  if (env.OTEL_WHATSAPP_REDIS_URL) config.redis = { url: env.OTEL_WHATSAPP_REDIS_URL };
  Object.assign(config, positive('callStoreTimeoutMs', env.OTEL_WHATSAPP_CALL_STORE_TIMEOUT_MS));
  const hepPort = Number(env.OTEL_WHATSAPP_HEP_PORT);
  if (env.OTEL_WHATSAPP_HEP_PORT !== undefined && Number.isInteger(hepPort) && hepPort >= 0 && hepPort < 65536) {
    const meta = list(env.OTEL_WHATSAPP_HEP_META_ADDRESSES);
    config.hep = {
      port: hepPort,
      ...(env.OTEL_WHATSAPP_HEP_HOST ? { host: env.OTEL_WHATSAPP_HEP_HOST } : {}),
      ...(env.OTEL_WHATSAPP_HEP_AUTH_KEY ? { authKey: env.OTEL_WHATSAPP_HEP_AUTH_KEY } : {}),
      ...(meta.length ? { metaAddresses: meta } : {}),
      ...positive('maxMessageBytes', env.OTEL_WHATSAPP_HEP_MAX_MESSAGE_BYTES),
      ...positive('maxPacketsPerSecond', env.OTEL_WHATSAPP_HEP_MAX_PACKETS_PER_SECOND),
      ...positive('maxBufferedBytes', env.OTEL_WHATSAPP_HEP_MAX_BUFFERED_BYTES),
      ...positive('maxConnections', env.OTEL_WHATSAPP_HEP_MAX_CONNECTIONS),
    };
  }
  return config;
}

/** `OTEL_NODE_DISABLED_INSTRUMENTATIONS` (the auto-instrumentations convention) names `undici`. */
export function undiciCompanionEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return !list(env.OTEL_NODE_DISABLED_INSTRUMENTATIONS).includes('undici');
}

/** `{ [name]: n }` for a positive integer setting, `{}` for anything else (ignored, default applies). */
function positive<K extends string>(name: K, value: string | undefined): Partial<Record<K, number>> {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n > 0 ? ({ [name]: n } as Record<K, number>) : {};
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
