/**
 * The named scenarios: each drives the business app (our side) and the sandbox (Meta's side) through
 * one kind of call. The instrumentation is not told anything: what ends up in the call log and the
 * metrics is what it saw on the wire (Graph requests and signed webhook deliveries).
 *
 * `ctx`: { app, meta, sandbox, user(), labelCall(callId), check(ok, message), sampleActive(), unreachableGraphUrl }
 */
import { ROUTES } from './business-app.mjs';

const BI = 'business_initiated';
const UI = 'user_initiated';

/** A business-initiated call the user answers; `hangUp`: our agent ends it (else the user does). */
async function answeredBusinessCall(ctx, user, { durationS, hangUp = true, errorCode } = {}) {
  const placed = await ctx.app.placeCall(user);
  ctx.check(placed.callId, `connect failed: ${placed.error?.code ?? placed.transportError}`);
  if (!placed.callId) return undefined;
  ctx.labelCall(placed.callId);
  await ctx.meta.rings(placed.callId, user);
  await ctx.meta.picksUp(placed.callId, user);
  if (hangUp && !errorCode) await ctx.app.hangUp(placed.callId);
  await ctx.meta.ends(placed.callId, { direction: BI, user, durationS, errorCode });
  return placed.callId;
}

/** A user calls through a call button; the app routes it by the button's payload. */
async function userCall(ctx, route, end) {
  const user = ctx.user();
  const callId = await ctx.meta.userCalls({ user, ctaPayload: route });
  ctx.labelCall(callId);
  const reaction = await ctx.app.reactionTo(callId);
  ctx.check(!reaction.result || reaction.result.ok, `the app's ${reaction.plan} failed`);
  await ctx.meta.ends(callId, { direction: UI, user, ...end });
  return reaction;
}

export async function completedBusinessCall(ctx) {
  const user = ctx.user();
  const permission = await ctx.app.checkPermission(user);
  ctx.check(permission.body?.permission?.status === 'temporary', 'expected a temporary call permission');
  await answeredBusinessCall(ctx, user, { durationS: 95 });
  return 'permission checked, placed, answered, agent hung up after 1m 35s';
}

export async function userCallPreAccepted(ctx) {
  await userCall(ctx, ROUTES.sales, { durationS: 184 });
  return 'call button "sales": pre_accept then accept; the user hung up after 3m 04s';
}

export async function userCallAcceptedWithoutPreAccept(ctx) {
  await userCall(ctx, ROUTES.legacyIvr, { durationS: 61 });
  return 'call button "legacy IVR": accept with no pre_accept (clips the first second of audio)';
}

export async function userCallRejected(ctx) {
  const reaction = await userCall(ctx, ROUTES.afterHours, {});
  ctx.check(reaction.plan === 'reject', 'expected the app to reject');
  return 'call button outside opening hours: the app rejected it';
}

export async function businessCallUnanswered(ctx) {
  const user = '15550000480'; // the sandbox's user who never answers
  const placed = await ctx.app.placeCall(user);
  ctx.check(placed.callId, 'connect failed');
  if (!placed.callId) return 'connect failed';
  ctx.labelCall(placed.callId);
  await ctx.meta.rings(placed.callId, user);
  await ctx.meta.ends(placed.callId, { direction: BI, user }); // rang out: no start_time, no duration
  return 'placed, rang, never answered';
}

export async function businessCallDeclined(ctx) {
  const user = ctx.user();
  const placed = await ctx.app.placeCall(user);
  ctx.check(placed.callId, 'connect failed');
  if (!placed.callId) return 'connect failed';
  ctx.labelCall(placed.callId);
  await ctx.meta.rings(placed.callId, user);
  await ctx.meta.declines(placed.callId, user);
  return 'placed, rang, the user declined (REJECTED status)';
}

export async function mediaTimeoutAtCallStart(ctx) {
  await userCall(ctx, ROUTES.sales, { durationS: 20, errorCode: 138021 });
  return 'answered, then 138021 after 20 s: no media reached the user at call start';
}

export async function mediaTimeoutMidCall(ctx) {
  await answeredBusinessCall(ctx, ctx.user(), { durationS: 300, errorCode: 138021 });
  return 'answered, then 138021 after 5 min: media stopped mid-call';
}

export async function concurrencyLimit(ctx, { limit }) {
  const held = [];
  for (let i = 0; i < limit; i++) {
    const user = ctx.user();
    const placed = await ctx.app.placeCall(user);
    if (!placed.callId) break;
    ctx.labelCall(placed.callId);
    await ctx.meta.rings(placed.callId, user);
    await ctx.meta.picksUp(placed.callId, user);
    held.push({ callId: placed.callId, user });
  }
  await ctx.sampleActive();
  const refused = await ctx.app.placeCall(ctx.user());
  ctx.check(refused.error?.code === 138002, `expected 138002, got ${refused.error?.code ?? 'success'}`);
  for (const [i, { callId, user }] of held.entries()) {
    await ctx.app.hangUp(callId);
    await ctx.meta.ends(callId, { direction: BI, user, durationS: 40 + i * 7 });
  }
  return `${held.length} calls in progress (the limit), one more refused with 138002`;
}

export async function dailyQuota(ctx, { limit }) {
  const user = ctx.user();
  for (let i = 0; i < limit; i++) await answeredBusinessCall(ctx, user, { durationS: 30 + i });
  const permission = await ctx.app.checkPermission(user);
  const startCall = permission.body?.actions?.find((a) => a.action_name === 'start_call');
  ctx.check(startCall?.can_perform_action === false, 'expected /call_permissions to say start_call is not possible');
  const refused = await ctx.app.placeCall(user);
  ctx.check(refused.error?.code === 138012, `expected 138012, got ${refused.error?.code ?? 'success'}`);
  return `${limit} connected calls to one user, /call_permissions says no more, the next one refused with 138012`;
}

/** A consumer number the sandbox answers with Meta error `code` (its last six digits). */
const magicUser = (code) => `1555${String(code).padStart(7, '0')}`;

/** One failing connect per error category the Graph path can produce (declined only exists on SIP). */
export const GRAPH_ERRORS = [
  { category: 'invalid_request', what: 'SDP without "v=0" (100)', attempt: (ctx) => ctx.app.placeCall(ctx.user(), { sdp: 'o=- 0 0 IN IP4 127.0.0.1\r\n' }) },
  { category: 'auth', what: 'expired access token (190)', attempt: (ctx) => ctx.app.placeCall(ctx.user(), { token: 'expired-token' }) },
  { category: 'permission', what: 'no call permission (138006)', code: 138006 },
  { category: 'configuration', what: 'calling not enabled (138000)', code: 138000 },
  { category: 'account_restricted', what: 'calling paused for low quality (138014)', code: 138014 },
  { category: 'rate_limited', what: 'call initiations per 24 h (138005)', code: 138005 },
  { category: 'duplicate_call', what: 'a call with this user is ongoing (138003)', code: 138003 },
  { category: 'recipient_unavailable', what: 'receiver uncallable (138001)', code: 138001 },
  { category: 'connection', what: 'Meta connection error (138004)', code: 138004 },
  {
    category: 'connection',
    what: 'Graph unreachable (connection refused)',
    attempt: (ctx) => ctx.app.placeCall(ctx.user(), { baseUrl: ctx.unreachableGraphUrl }),
  },
  { category: 'connect_timeout', what: 'connect timeout (138007)', code: 138007 },
  { category: 'server', what: 'service unavailable (131016, HTTP 503)', code: 131016 },
  {
    category: 'unknown',
    what: 'undocumented code (138011)',
    attempt: (ctx) => {
      ctx.sandbox.failNext(138011, { action: 'connect' });
      return ctx.app.placeCall(ctx.user());
    },
  },
];

export async function graphError(ctx, { error }) {
  const r = error.attempt ? await error.attempt(ctx) : await ctx.app.placeCall(magicUser(error.code));
  ctx.check(!r.ok, `expected ${error.what} to fail`);
  return `${error.what}: ${r.error ? `HTTP ${r.status}, code ${r.error.code}` : r.transportError}`;
}

/** In order; `label` is the call log's Scenario column. */
export function scenarioList({ concurrentCallLimit, businessInitiatedCallLimit }) {
  return [
    { label: 'completed BI call', run: completedBusinessCall },
    { label: 'UIC pre_accept+accept', run: userCallPreAccepted },
    { label: 'UIC accept only', run: userCallAcceptedWithoutPreAccept },
    { label: 'UIC rejected', run: userCallRejected },
    { label: 'BI unanswered', run: businessCallUnanswered },
    { label: 'BI declined', run: businessCallDeclined },
    { label: 'media timeout, start', run: mediaTimeoutAtCallStart },
    { label: 'media timeout, mid', run: mediaTimeoutMidCall },
    { label: 'concurrency limit', run: (ctx) => concurrencyLimit(ctx, { limit: concurrentCallLimit }) },
    { label: 'daily quota', run: (ctx) => dailyQuota(ctx, { limit: businessInitiatedCallLimit }) },
    ...GRAPH_ERRORS.map((error) => ({ label: `error: ${error.category}`, run: (ctx) => graphError(ctx, { error }) })),
  ];
}
