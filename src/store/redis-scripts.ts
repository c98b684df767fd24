/**
 * The call store's Lua scripts. Each runs atomically on one slot (its KEYS share a hash tag, see
 * redis-keys), so a script is the unit of agreement between instances. Times are the caller's epoch
 * ms (ARGV), TTLs relative ms. Only long-standing commands are used (Redis ≥ 5).
 */
import { createHash } from 'node:crypto';

export interface LuaScript {
  name: string;
  body: string;
  sha: string;
}

/** Extends a key's TTL to at least `ms` (never shortens it: another writer may need it longer). */
const EXTEND = `
local function extend(key, ms)
  ms = math.floor(tonumber(ms))
  if ms > 0 and redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms) end
end
local function ms(n) return string.format('%.0f', n) end
`;

function script(name: string, body: string): LuaScript {
  const full = `${EXTEND}\n${body.trim()}\n`;
  return { name, body: full, sha: createHash('sha1').update(full).digest('hex') };
}

/**
 * Adds one signal to a call. KEYS: sig, meta, done. ARGV: signalKey, signal JSON, terminal (1/0),
 * live (1/0), active key JSON or '', retainMs, maxSignals, now.
 * Returns {outcome} for finished/duplicate/full, else {'added', transition, active key JSON, signals…}
 * where transition is '' | 'activate' (enter, or refresh, the number's active set) | 'deactivate'.
 */
export const RECORD_SIGNAL = script(
  'record-signal',
  `
if redis.call('EXISTS', KEYS[3]) == 1 then return {'finished'} end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return {'duplicate'} end
local terminal = ARGV[3] == '1'
if not terminal and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[7]) then return {'full'} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local retain = tonumber(ARGV[6])
local now = tonumber(ARGV[8])
local meta = redis.call('HMGET', KEYS[2], 'a', 'e', 'x')
local active, ended, untilAt = meta[1], meta[2], tonumber(meta[3] or '0')
local transition, key = '', ''
if terminal then
  if not ended then
    redis.call('HSET', KEYS[2], 'e', '1')
    if active then transition, key = 'deactivate', active end
  end
elseif not ended then
  if active then
    -- A long call: push its active entry's expiry out before it lapses (rarely: at most twice per retainMs).
    if untilAt - now < retain / 2 then
      redis.call('HSET', KEYS[2], 'x', ms(now + retain))
      transition, key = 'activate', active
    end
  elseif ARGV[4] == '1' and ARGV[5] ~= '' then
    redis.call('HSET', KEYS[2], 'a', ARGV[5], 'x', ms(now + retain))
    transition, key = 'activate', ARGV[5]
  end
end
extend(KEYS[1], retain)
if redis.call('EXISTS', KEYS[2]) == 1 then extend(KEYS[2], retain) end
local out = {'added', transition, key}
local values = redis.call('HVALS', KEYS[1])
for i = 1, #values do out[#out + 1] = values[i] end
return out
`,
);

/**
 * Ends a call once. KEYS: sig, meta, done. ARGV: tombstoneMs. Returns nil when the call was already
 * taken or is unknown, else {active key JSON or '', signals…}.
 */
export const TAKE_CALL = script(
  'take-call',
  `
if redis.call('EXISTS', KEYS[3]) == 1 then return false end
redis.call('SET', KEYS[3], '1', 'PX', ARGV[1])
local values = redis.call('HVALS', KEYS[1])
local active = redis.call('HGET', KEYS[2], 'a') or ''
redis.call('DEL', KEYS[1], KEYS[2])
if #values == 0 then return false end
local out = {active}
for i = 1, #values do out[#out + 1] = values[i] end
return out
`,
);

/**
 * A call enters (or refreshes) its number's active set, unless it ended there already.
 * KEYS: active, ended. ARGV: member, callId, active until (ms), now.
 */
export const ACTIVATE = script(
  'activate',
  `
if redis.call('ZSCORE', KEYS[2], ARGV[2]) then return 0 end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
extend(KEYS[1], tonumber(ARGV[3]) - tonumber(ARGV[4]))
return 1
`,
);

/**
 * A call leaves its number's active set for good. KEYS: active, ended. ARGV: member, callId, now,
 * how long the ended mark stays (ms).
 */
export const DEACTIVATE = script(
  'deactivate',
  `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ms(tonumber(ARGV[3]) - tonumber(ARGV[4])))
extend(KEYS[2], ARGV[4])
return 1
`,
);

/** Adds a member to a rolling window once and trims it. KEYS: window. ARGV: member, at, since, ttlMs. */
export const ADD_TO_WINDOW = script(
  'add-to-window',
  `
redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
extend(KEYS[1], ARGV[4])
return 1
`,
);

/**
 * A number's quota pairs, each kept counted by usage as it changes (quota.ts `pairUsageAt`, repeated
 * here): KEYS[1] pairs (hash pairKey → {t: {{at, callId}…}, r: Meta's reading, b: its usage bucket}),
 * KEYS[2] due (zset pairKey → when its usage next changes with time alone), KEYS[3] usage (hash
 * "<usage>|<maxAllowed>" → pairs). Every script on them first applies the changes that came due, so a
 * write or a read costs O(changes), not a pass over the number's pairs.
 */
const PAIRS = `
local function num(v) return type(v) == 'number' and v or nil end
local function pair_usage(s, now, window)
  local since = now - window
  local kept = {}
  for _, c in ipairs(s.t) do if type(c) == 'table' and num(c[1]) and c[1] > since then kept[#kept + 1] = c end end
  s.t = kept
  local r = s.r
  if type(r) == 'table' and num(r.currentUsage) and num(r.observedAt) and (num(r.limitExpiresAt) or math.huge) > now and r.observedAt > since then
    local n = 0
    for _, c in ipairs(kept) do if c[1] > r.observedAt then n = n + 1 end end
    return r.currentUsage + n, num(r.maxAllowed), math.min(num(r.limitExpiresAt) or math.huge, r.observedAt + window)
  end
  s.r = nil
  local first
  for _, c in ipairs(kept) do if not first or c[1] < first then first = c[1] end end
  return #kept, nil, first and first + window or nil
end
local function load_pair(pairKey)
  local ok, s = pcall(cjson.decode, redis.call('HGET', KEYS[1], pairKey) or '{}')
  if not ok or type(s) ~= 'table' then s = {} end
  if type(s.t) ~= 'table' then s.t = {} end
  return s
end
local function refresh_pair(pairKey, s, now, window)
  local u, m, changes = pair_usage(s, now, window)
  local b = ''
  if u > 0 then b = ms(u) .. '|' .. (m and tostring(m) or '') end
  local old = type(s.b) == 'string' and s.b or ''
  if old ~= b then
    if old ~= '' and redis.call('HINCRBY', KEYS[3], old, -1) <= 0 then redis.call('HDEL', KEYS[3], old) end
    if b ~= '' then redis.call('HINCRBY', KEYS[3], b, 1) end
  end
  s.b = b
  if #s.t == 0 and s.r == nil then
    redis.call('HDEL', KEYS[1], pairKey)
    redis.call('ZREM', KEYS[2], pairKey)
    return
  end
  redis.call('HSET', KEYS[1], pairKey, cjson.encode(s))
  if changes and changes < math.huge then redis.call('ZADD', KEYS[2], ms(changes), pairKey) else redis.call('ZREM', KEYS[2], pairKey) end
end
-- At most \`limit\` pairs per script (a script blocks Redis: ~12 µs a pair); returns 1 if more are due.
local function settle_pairs(now, window, limit)
  local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ms(now), 'LIMIT', 0, limit)
  for _, pairKey in ipairs(due) do
    refresh_pair(pairKey, load_pair(pairKey), now, window)
  end
  if #due < limit then return 0 end
  return redis.call('ZCOUNT', KEYS[2], '-inf', ms(now)) > 0 and 1 or 0
end
local function extend_pairs(window)
  for i = 1, 3 do extend(KEYS[i], window) end
end
`;

/** A pair's calls kept past any real limit (Meta allows tens a day): bounds one pair's entry. */
export const MAX_CALLS_PER_PAIR = 10_000;
/**
 * Pairs whose usage came due that one script re-counts, at most: a write a few, a read more (the store
 * reads again while some remain). A burst of pairs leaving the window together then blocks Redis for
 * a few ms at a time, not for seconds.
 */
export const SETTLE_PER_WRITE = 100;
export const SETTLE_PER_READ = 500;

/**
 * A pair's connected business-initiated call (once per call id while it is in the window), or Meta's
 * reading for it (replacing the last). KEYS: pairs, due, usage.
 * ARGV: pairKey, now, windowMs, 'call', callId, at | pairKey, now, windowMs, 'reading', reading JSON.
 */
export const WRITE_PAIR = script(
  'write-pair',
  `${PAIRS}
local now, window = tonumber(ARGV[2]), tonumber(ARGV[3])
settle_pairs(now, window, ${SETTLE_PER_WRITE})
local s = load_pair(ARGV[1])
if ARGV[4] == 'call' then
  -- Calls that left the window first, so that a call id that left it counts again.
  local kept = {}
  for _, c in ipairs(s.t) do
    if type(c) == 'table' and num(c[1]) and c[1] > now - window then
      if c[2] == ARGV[5] then return 0 end
      kept[#kept + 1] = c
    end
  end
  if #kept >= ${MAX_CALLS_PER_PAIR} then table.remove(kept, 1) end
  kept[#kept + 1] = {tonumber(ARGV[6]), ARGV[5]}
  s.t = kept
else
  local ok, r = pcall(cjson.decode, ARGV[5])
  if ok and type(r) == 'table' then s.r = r end
end
refresh_pair(ARGV[1], s, now, window)
extend_pairs(window)
return 1
`,
);

/**
 * Keeps a number in the phones index until at least `until`; the index is capped (the soonest to
 * expire go first). KEYS: phones. ARGV: phoneNumberId, until (ms), ttlMs, max entries.
 */
export const TOUCH_PHONE = script(
  'touch-phone',
  `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) < tonumber(ARGV[2]) then redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1]) end
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])
if excess > 0 then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1) end
extend(KEYS[1], ARGV[3])
return 1
`,
);

/** The numbers with state, after dropping expired ones. KEYS: phones. ARGV: now. */
export const LIST_PHONES = script(
  'list-phones',
  `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return redis.call('ZRANGE', KEYS[1], 0, -1)
`,
);

/**
 * One number's figures, trimmed: active calls grouped by "direction|signaling", the initiation count,
 * the pairs counted by usage. KEYS: pairs, due, usage, active, inits. ARGV: now, since, windowMs.
 * Returns {{group, count, …}, initiations, {"<usage>|<maxAllowed>", pairs, …}, 1 if pairs remain to
 * be re-counted (read again) else 0}.
 */
export const READ_PHONE = script(
  'read-phone',
  `${PAIRS}
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', ARGV[1])
local counts, order = {}, {}
for _, m in ipairs(redis.call('ZRANGE', KEYS[4], 0, -1)) do
  local i = string.find(m, '|', 1, true)
  local j = i and string.find(m, '|', i + 1, true)
  if j then
    local g = string.sub(m, 1, j - 1)
    if not counts[g] then counts[g] = 0; order[#order + 1] = g end
    counts[g] = counts[g] + 1
  end
end
local active = {}
for _, g in ipairs(order) do active[#active + 1] = g; active[#active + 1] = counts[g] end
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', ARGV[2])
local inits = redis.call('ZCARD', KEYS[5])
local more = settle_pairs(tonumber(ARGV[1]), tonumber(ARGV[3]), ${SETTLE_PER_READ})
return {active, inits, redis.call('HGETALL', KEYS[3]), more}
`,
);

/** The secret instances agree on: the stored one, else `candidate` becomes it. KEYS: secret. ARGV: candidate. */
export const SHARED_SECRET = script(
  'shared-secret',
  `
local v = redis.call('GET', KEYS[1])
if v then return v end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
`,
);
