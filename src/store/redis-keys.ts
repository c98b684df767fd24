/**
 * The Redis key schema of the call store. Keys are hash-tagged so every script touches one slot, and
 * the same code runs on Redis Cluster: a call's keys share the tag `{c:<callId>}`, a business number's
 * keys share `{p:<phoneNumberId>}`, each claim is its own tag. Two keys stand alone: the phones index
 * and the shared secret.
 *
 *   <prefix>:{c:<callId>}:sig      hash  signalKey → StoredSignal JSON          PEXPIRE retainMs
 *   <prefix>:{c:<callId>}:meta     hash  a (active key JSON), x (active until), e (ended)   PEXPIRE retainMs
 *   <prefix>:{c:<callId>}:done     string tombstone: the call was taken          PX tombstoneMs
 *   <prefix>:{p:<phone>}:active    zset  "<direction>|<signaling>|<callId>" → active-until ms (trimmed on read)
 *   <prefix>:{p:<phone>}:ended     zset  callId → ended at ms (trimmed; stops a late activate)
 *   <prefix>:{p:<phone>}:inits     zset  callId → initiated at ms (trimmed by the window)
 *   <prefix>:{p:<phone>}:quota-pairs  hash  pairKey → the pair's connected calls and Meta's reading (JSON)
 *   <prefix>:{p:<phone>}:quota-due    zset  pairKey → when the pair's usage next changes with time alone
 *   <prefix>:{p:<phone>}:quota-usage  hash  "<usage>|<maxAllowed>" → pairs with that usage and limit
 *   <prefix>:{k:<claim key>}       string once-only claim                        PX ttlMs
 *   <prefix>:phones                zset  phoneNumberId → keep-until ms (trimmed on read, capped)
 *   <prefix>:secret                string the pair-key secret instances agree on (one key, no TTL)
 *
 * A number's quota pairs live in three keys (not keys per pair): every key a script touches is then
 * declared in KEYS; see redis-scripts (PAIRS) for how they are kept. Earlier builds kept `:pairs`
 * and `:readings` instead; those expire on their own.
 */
import { DEFAULT_KEY_PREFIX } from './redis-config';

export interface CallKeys {
  sig: string;
  meta: string;
  done: string;
}

export interface PhoneKeys {
  active: string;
  ended: string;
  inits: string;
  quotaPairs: string;
  quotaDue: string;
  quotaUsage: string;
}

export class RedisKeys {
  readonly prefix: string;
  readonly phones: string;
  readonly secret: string;

  constructor(prefix = DEFAULT_KEY_PREFIX) {
    // A brace in the prefix would become everyone's hash tag: one slot for the whole store.
    this.prefix = prefix.replace(/[{}]/g, '_');
    this.phones = `${this.prefix}:phones`;
    this.secret = `${this.prefix}:secret`;
  }

  call(callId: string): CallKeys {
    const base = `${this.prefix}:{c:${callId}}`;
    return { sig: `${base}:sig`, meta: `${base}:meta`, done: `${base}:done` };
  }

  phone(phoneNumberId: string): PhoneKeys {
    const base = `${this.prefix}:{p:${phoneNumberId}}`;
    return {
      active: `${base}:active`,
      ended: `${base}:ended`,
      inits: `${base}:inits`,
      quotaPairs: `${base}:quota-pairs`,
      quotaDue: `${base}:quota-due`,
      quotaUsage: `${base}:quota-usage`,
    };
  }

  claim(key: string): string {
    return `${this.prefix}:{k:${key}}`;
  }
}

/** An active-set member: direction and signaling (enums, no `|`) before the call id. */
export const activeMember = (direction: string, signaling: string, callId: string): string => `${direction}|${signaling}|${callId}`;
