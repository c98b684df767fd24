/**
 * Builds the Redis call store from the `redis` option. ioredis is an optional peer dependency,
 * required here only when the option is set. A client the store creates itself:
 *   - fails fast instead of queueing while disconnected (`enableOfflineQueue: false`, one retry), so an
 *     outage costs the app nothing: the guard serves local state until Redis answers again;
 *   - reconnects forever with a bounded backoff (≤ 2 s);
 *   - never keeps the app's process alive: its sockets and reconnect timers are unref'd, so an app that
 *     is done exits, Redis up or down;
 *   - has its connection errors logged at debug level (the guard reports the outage once).
 * A misconfiguration (no ioredis, no address) yields a store that always fails: the instance runs on
 * local state and `whatsapp.calling.store.degraded` shows 1, rather than looking healthy.
 */
import type { DiagLogger } from '@opentelemetry/api';
import type { CallStore } from '../tracker/call-store';
import { RedisCallStore } from './redis-call-store';
import type { RedisClientLike, RedisStoreConfig } from './redis-config';

/** The most a reconnect waits, and how long the first connection is waited for before a command fails. */
export const RECONNECT_MAX_MS = 2000;
const FIRST_CONNECT_WAIT_MS = 2000;
const CONNECT_TIMEOUT_MS = 5000;

export const IOREDIS_MISSING = 'the redis option needs the ioredis package (an optional peer dependency): npm install ioredis';

type IoRedisModule = typeof import('ioredis');
interface OwnedClient extends RedisClientLike {
  status: string;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  disconnect(): void;
  reconnectTimeout?: { unref?(): void } | null;
}

export function createCallStoreFromConfig(config: RedisStoreConfig | undefined, diag: DiagLogger): CallStore | undefined {
  if (!config) return undefined;
  try {
    if (config.client) return new RedisCallStore({ client: config.client, keyPrefix: config.keyPrefix });
    if (!config.url && !config.cluster?.length) return unavailable('the redis option needs url, cluster or client', diag);
    let ioredis: IoRedisModule;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional peer, loaded only when a Redis store is configured
      ioredis = require('ioredis') as IoRedisModule;
    } catch {
      return unavailable(IOREDIS_MISSING, diag);
    }
    const client = createClient(ioredis, config);
    return new RedisCallStore({ client, keyPrefix: config.keyPrefix, ownsClient: true, whenReady: readiness(client, diag) });
  } catch (err) {
    return unavailable(`could not create the Redis call store (${String((err as Error)?.message ?? err)})`, diag);
  }
}

function createClient(ioredis: IoRedisModule, config: RedisStoreConfig): OwnedClient {
  const Connector = unrefConnector();
  const connection = {
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    // Commands issued in the same tick (the signals of one webhook, a scrape's per-number reads) share one write.
    enableAutoPipelining: true,
    ...(Connector ? { Connector } : {}),
  };
  const client = (config.cluster?.length
    ? new ioredis.Cluster(config.cluster, {
        enableOfflineQueue: false,
        enableAutoPipelining: true,
        clusterRetryStrategy: (times: number) => backoff(times),
        redisOptions: connection,
      })
    : new ioredis.Redis(config.url!, { ...connection, enableOfflineQueue: false, retryStrategy: (times: number) => backoff(times) })) as unknown as OwnedClient;
  // The reconnect timer is set just before `reconnecting` is emitted (next tick).
  client.on('reconnecting', () => client.reconnectTimeout?.unref?.());
  return client;
}

const backoff = (times: number) => Math.min(50 * 2 ** Math.min(times, 6), RECONNECT_MAX_MS);

/**
 * ioredis' own connector, with the socket unref'd as soon as it exists (ioredis has no option for it).
 * Undefined if its layout changed: the client then works, but may keep an idle process alive.
 */
function unrefConnector(): import('ioredis').RedisOptions['Connector'] {
  try {
    const Standalone =
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal file of the optional ioredis peer, loaded only when a Redis store is configured
      (require('ioredis/built/connectors/StandaloneConnector') as { default: new (options: unknown) => { connect(cb: unknown): Promise<{ unref?(): void }> } })
        .default;
    return class UnrefConnector extends Standalone {
      override connect(cb: unknown) {
        return super.connect(cb).then((stream) => {
          stream.unref?.();
          return stream;
        });
      }
    } as unknown as import('ioredis').RedisOptions['Connector'];
  } catch {
    return undefined;
  }
}

/**
 * Until the client's first connection, commands wait for it (bounded): with the offline queue off,
 * they would fail at start-up otherwise. After that they fail fast while it reconnects.
 */
function readiness(client: OwnedClient, diag: DiagLogger): () => Promise<void> | undefined {
  let connectedOnce = client.status === 'ready';
  let waiting: Promise<void> | undefined;
  client.on('ready', () => (connectedOnce = true));
  client.on('error', (err: unknown) => diag.debug('redis call store connection error', err));
  return () => {
    if (connectedOnce || client.status === 'ready') return undefined;
    waiting ??= new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error('Redis did not connect in time')), FIRST_CONNECT_WAIT_MS);
      timer.unref();
      const onReady = () => finish();
      const onEnd = () => finish(new Error('the Redis connection ended'));
      function finish(err?: Error) {
        clearTimeout(timer);
        client.off('ready', onReady);
        client.off('end', onEnd);
        waiting = undefined;
        if (err) reject(err);
        else resolve();
      }
      client.once('ready', onReady);
      client.once('end', onEnd);
    });
    return waiting;
  };
}

/** A store that always fails, so the guard serves local state and reports it as degraded. */
function unavailable(reason: string, diag: DiagLogger): CallStore {
  diag.error(`${reason}; call state stays in this process`);
  const fail = (): never => {
    throw new Error(reason);
  };
  return { recordSignal: fail, takeCall: fail, claimOnce: fail, addToWindow: fail, setQuotaReading: fail, readFigures: fail };
}
