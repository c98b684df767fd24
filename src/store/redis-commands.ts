/**
 * How the store talks to Redis: scripts by EVALSHA (falling back to EVAL, which caches the script on
 * that node), keys always in KEYS so a Cluster client routes each script to its slot's node. Only the
 * generic `call` of the client is used: an app's own client is never changed (no defineCommand).
 */
import type { RedisClientLike } from './redis-config';
import type { LuaScript } from './redis-scripts';

export type RedisArg = string | number;

export function runScript(client: RedisClientLike, script: LuaScript, keys: string[], args: RedisArg[]): Promise<unknown> {
  return client.call('evalsha', script.sha, keys.length, ...keys, ...args).catch((err: unknown) => {
    if (!String((err as Error)?.message ?? err).includes('NOSCRIPT')) throw err;
    return client.call('eval', script.body, keys.length, ...keys, ...args);
  });
}

/** A reply element as text (ioredis replies bulk strings as strings, integers as numbers). */
export const text = (v: unknown): string => (typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : String(v));

export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
