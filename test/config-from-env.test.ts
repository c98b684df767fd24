/** The register entry and the sidecar are configured by environment variables only. */
import { describe, expect, it } from 'vitest';
import { configFromEnv, undiciCompanionEnabled } from '../src/config-from-env';

describe('configuration from the environment', () => {
  it('reads every documented variable', () => {
    expect(
      configFromEnv({
        OTEL_WHATSAPP_GRAPH_API_BASE_URLS: 'http://127.0.0.1:1, https://graph.example',
        OTEL_WHATSAPP_CONSUMER_NUMBERS: 'HASH',
        OTEL_WHATSAPP_CONSUMER_NUMBER_HASH_KEY: 'k',
        OTEL_WHATSAPP_MAX_BODY_BYTES: '4096',
        OTEL_WHATSAPP_SIP_PEERS: 'sbc.example:5061',
        OTEL_WHATSAPP_HEP_PORT: '9060',
        OTEL_WHATSAPP_HEP_HOST: '0.0.0.0',
        OTEL_WHATSAPP_HEP_AUTH_KEY: 'secret',
        OTEL_WHATSAPP_HEP_META_ADDRESSES: '157.240.0.1:5061,157.240.1.0/24',
        OTEL_WHATSAPP_HEP_MAX_MESSAGE_BYTES: '16384',
        OTEL_WHATSAPP_HEP_MAX_PACKETS_PER_SECOND: '100',
        OTEL_WHATSAPP_HEP_MAX_BUFFERED_BYTES: '65536',
        OTEL_WHATSAPP_HEP_MAX_CONNECTIONS: '8',
        OTEL_WHATSAPP_REDIS_URL: 'redis://127.0.0.1:6380',
        OTEL_WHATSAPP_CALL_STORE_TIMEOUT_MS: '250',
      }),
    ).toEqual({
      graphApiBaseUrls: ['http://127.0.0.1:1', 'https://graph.example'],
      consumerNumbers: 'hash',
      consumerNumberHashKey: 'k',
      maxBodyBytes: 4096,
      sipPeers: ['sbc.example:5061'],
      redis: { url: 'redis://127.0.0.1:6380' },
      callStoreTimeoutMs: 250,
      hep: {
        port: 9060,
        host: '0.0.0.0',
        authKey: 'secret',
        metaAddresses: ['157.240.0.1:5061', '157.240.1.0/24'],
        maxMessageBytes: 16384,
        maxPacketsPerSecond: 100,
        maxBufferedBytes: 65536,
        maxConnections: 8,
      },
    });
  });

  it('ignores malformed values instead of guessing', () => {
    expect(configFromEnv({ OTEL_WHATSAPP_CONSUMER_NUMBERS: 'everything', OTEL_WHATSAPP_MAX_BODY_BYTES: '-1', OTEL_WHATSAPP_HEP_PORT: '70000' })).toEqual({});
    expect(configFromEnv({ OTEL_WHATSAPP_HEP_PORT: '0', OTEL_WHATSAPP_HEP_MAX_CONNECTIONS: 'many' }).hep).toEqual({ port: 0 });
  });

  it('leaves instrumentation-undici out only when OTEL_NODE_DISABLED_INSTRUMENTATIONS names it', () => {
    expect(undiciCompanionEnabled({})).toBe(true);
    expect(undiciCompanionEnabled({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'http, undici' })).toBe(false);
  });
});
