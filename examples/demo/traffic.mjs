/**
 * Long mode: steady mixed traffic for dashboards. Mostly completed calls, with a realistic share of
 * unanswered, rejected and declined calls, accepts without pre_accept, media timeouts and refused
 * connects; users are drawn from a pool, so some pairs hit the daily quota (138012) on their own.
 * Bounded in count; `concurrency` calls in flight at most (at or under the sandbox's concurrency
 * limit); optionally paced to `rate` calls/s. A seeded PRNG makes runs repeatable.
 */
import { ROUTES } from './business-app.mjs';

const BI = 'business_initiated';
const UI = 'user_initiated';

/** [weight, kind]: shares of the generated calls. */
const MIX = [
  [38, 'bi_completed'],
  [24, 'uic_pre_accept'],
  [8, 'uic_accept_only'],
  [5, 'bi_unanswered'],
  [3, 'bi_declined'],
  [3, 'uic_rejected'],
  [3, 'uic_overflow'],
  [3, 'media_timeout_start'],
  [2, 'media_timeout_mid'],
  [4, 'bi_no_permission'],
  [2, 'bi_uncallable'],
  [1, 'bi_duplicate'],
  [1, 'server_error'],
  [1, 'graph_unreachable'],
];
const TOTAL_WEIGHT = MIX.reduce((a, [w]) => a + w, 0);

/** mulberry32: small, fast, seeded. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The first calls go through every kind in turn, twice, so even a short run moves every counter after
 * Prometheus first saw it (`increase()` of a series that only ever had one value is 0); then the mix.
 */
function kindAt(i, r) {
  if (i < 2 * MIX.length) return MIX[i % MIX.length][1];
  return kindOf(r);
}

function kindOf(r) {
  let x = r * TOTAL_WEIGHT;
  for (const [w, kind] of MIX) if ((x -= w) < 0) return kind;
  return MIX[0][1];
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One generated call of `kind`; returns nothing, its outcome is in the telemetry. */
async function oneCall(ctx, kind, rnd) {
  const { app, meta } = ctx;
  const talk = () => Math.round(15 + rnd() ** 2 * 900); // most calls short, a few long
  const biUser = () => `1408556${String(Math.floor(rnd() * ctx.userPool)).padStart(4, '0')}`;
  const uiUser = () => `1408557${String(Math.floor(rnd() * 10_000)).padStart(4, '0')}`;

  const business = async (user, end) => {
    const placed = await app.placeCall(user);
    if (!placed.callId) return; // refused (e.g. 138012 once the pair's quota is used up)
    await meta.rings(placed.callId, user);
    if (end.declined) return meta.declines(placed.callId, user);
    if (end.durationS !== undefined) await meta.picksUp(placed.callId, user);
    if (end.durationS !== undefined && !end.errorCode && rnd() < 0.5) await app.hangUp(placed.callId);
    await meta.ends(placed.callId, { direction: BI, user, ...end });
  };
  const inbound = async (route, end) => {
    const user = uiUser();
    const callId = await meta.userCalls({ user, ctaPayload: route });
    await app.reactionTo(callId);
    await meta.ends(callId, { direction: UI, user, ...end });
  };

  switch (kind) {
    case 'bi_completed':
      return business(biUser(), { durationS: talk() });
    case 'uic_pre_accept':
      return inbound(ROUTES.sales, { durationS: talk() });
    case 'uic_accept_only':
      return inbound(ROUTES.legacyIvr, { durationS: talk() });
    case 'bi_unanswered':
      return business('15550000480', {});
    case 'bi_declined':
      return business(biUser(), { declined: true });
    case 'uic_rejected':
      return inbound(ROUTES.afterHours, {});
    case 'uic_overflow':
      return inbound(ROUTES.overflow, {});
    case 'media_timeout_start':
      return rnd() < 0.5 ? inbound(ROUTES.sales, { durationS: 20, errorCode: 138021 }) : business(biUser(), { durationS: 20, errorCode: 138021 });
    case 'media_timeout_mid':
      return business(biUser(), { durationS: 60 + Math.round(rnd() * 600), errorCode: rnd() < 0.7 ? 138021 : 138022 });
    case 'bi_no_permission':
      return app.placeCall('15550138006');
    case 'bi_uncallable':
      return app.placeCall('15550138001');
    case 'bi_duplicate':
      return app.placeCall('15550138003');
    case 'server_error':
      return app.placeCall('15550131016');
    case 'graph_unreachable':
      return app.placeCall(biUser(), { baseUrl: ctx.unreachableGraphUrl });
    default:
      return undefined;
  }
}

/**
 * @param {{ app, meta, unreachableGraphUrl: string }} ctx
 * @param {{ calls: number, concurrency: number, rate?: number, seed?: number, signal?: AbortSignal,
 *   onCallDone?: (done: number) => void, wrap?: (kind: string, fn: () => Promise<unknown>) => Promise<unknown> }} opts
 *   `wrap` runs each call, e.g. inside a span of its own.
 */
export async function runTraffic(ctx, { calls, concurrency, rate, seed = 8, signal, onCallDone, wrap = (_kind, fn) => fn() }) {
  const rnd = prng(seed);
  const userPool = Math.max(100, Math.ceil(calls / 2));
  const started = Date.now();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < calls && !signal?.aborted) {
      const i = next++;
      if (rate) {
        const wait = started + (i * 1000) / rate - Date.now();
        if (wait > 0) await sleep(wait);
      }
      try {
        const kind = kindAt(i, rnd());
        await wrap(kind, () => oneCall({ ...ctx, userPool }, kind, rnd));
      } catch (err) {
        ctx.onError?.(err);
      }
      done++;
      onCallDone?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, calls)) }, worker));
  return { placed: done, elapsedMs: Date.now() - started, aborted: signal?.aborted === true && done < calls };
}
