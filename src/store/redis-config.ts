/**
 * The `redis` option: where several app instances keep the call state they share. The Redis client
 * library (ioredis) is an optional peer dependency, loaded only when this option is set.
 */

/**
 * The part of a Redis client the store uses: an ioredis `Redis` or `Cluster` fits. Typed structurally
 * so this package's types don't require ioredis to be installed.
 */
export interface RedisClientLike {
  /** ioredis' generic command call (`client.call('evalsha', …)`); routed by key on a Cluster. */
  call(command: string, ...args: (string | number | Buffer)[]): Promise<unknown>;
  /** ioredis' connection status (`ready` when commands can be sent). */
  status?: string;
}

export interface RedisStoreConfig {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…`: the store opens (and closes) its own connection. */
  url?: string;
  /** Cluster seed nodes: the store opens its own ioredis `Cluster` to them. */
  cluster?: { host: string; port: number }[];
  /**
   * Your own ioredis `Redis` or `Cluster` instead (any auth, TLS or Sentinel set-up). The store sends
   * commands on it and never closes it or changes its options; handle its `error` events as you do today.
   */
  client?: RedisClientLike;
  /**
   * Prefix of every key the store writes. Default `whatsapp-calling`. Instances that must share state
   * use the same prefix; different deployments on one Redis use different ones. Braces are replaced
   * (the store places its own hash tags).
   */
  keyPrefix?: string;
}

export const DEFAULT_KEY_PREFIX = 'whatsapp-calling';
