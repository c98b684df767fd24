/**
 * SIP transactions and dialogs → spans, call records and metrics, fed message by message as any SIP
 * source would (socket tap, HEP, library hooks).
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { parseSipMessage } from '../src/sip/wire';
import { MAX_OPEN, SWEEP_SLICE, SipTransactionTracker } from '../src/sip/tracking/sip-transaction-tracker';
import type { SipOperationEvent } from '../src/sip/tracking/sip-operation';
import { countOf, createHarness, sumOf } from './helpers/otel-harness';
import { invite, metaInvite, request, response } from './sip/messages';

const harness = createHarness({ callSettleMs: 0 });
const pipeline = harness.instrumentation.sipSources;
let clock = 1_800_000_000_000;
const feed = (raw: string, fromBusiness: boolean, transport: 'tls' | 'udp' = 'tls') => {
  clock += 100;
  pipeline.observe({
    message: parseSipMessage(Buffer.from(raw))!,
    fromBusiness,
    at: clock,
    source: 'socket',
    transport,
    peerAddress: '127.0.0.1',
    peerPort: 5061,
  });
};
const spans = (name: string) => harness.exporter.getFinishedSpans().filter((s) => s.name === name);
beforeEach(() => harness.reset());

describe('outbound (business-initiated) INVITE', () => {
  it("makes the 407 challenge and the retried INVITE one attempt, and ends the call from Meta's BYE", () => {
    const callId = 'bic-ok';
    feed(invite({ callId }), true);
    feed(response(100, 'Trying', { callId }), false);
    feed(response(407, 'Proxy Authentication Required', { callId, toTag: 'm1' }), false);
    feed(invite({ callId, auth: true, branch: 'z9hG4bK-2', cseq: 2 }), true);
    feed(response(180, 'Ringing', { callId, branch: 'z9hG4bK-2', cseq: 2, toTag: 'm2' }), false);
    feed(response(200, 'OK', { callId, branch: 'z9hG4bK-2', cseq: 2, toTag: 'm2', extra: ['x-wa-meta-user-id: US.1349'] }), false);
    feed(response(200, 'OK', { callId, branch: 'z9hG4bK-2', cseq: 2, toTag: 'm2' }), false); // UDP-style retransmission
    feed(request('BYE', { callId, fromMeta: true, extra: ['x-wa-meta-wacid: wacid.BIC1', 'x-wa-meta-call-duration: 42'] }), false);
    feed(response(200, 'OK', { callId, method: 'BYE', branch: 'z9hG4bK-bye', cseq: 2 }), true);

    const [inv] = spans('whatsapp sip.invite');
    expect(spans('whatsapp sip.invite')).toHaveLength(1);
    expect(inv.kind).toBe(SpanKind.CLIENT);
    expect(inv.status.code).toBe(SpanStatusCode.UNSET);
    expect(inv.attributes).toMatchObject({
      'sip.method': 'INVITE',
      'sip.call_id': callId,
      'sip.status_code': 200,
      'whatsapp.signaling': 'sip',
      'whatsapp.call.direction': 'business_initiated',
      'sip.auth.challenged': true,
      'whatsapp.business.phone_number': '15551441906',
    });
    const [bye] = spans('whatsapp sip.bye');
    expect(bye.kind).toBe(SpanKind.SERVER);
    expect(bye.attributes).toMatchObject({ 'whatsapp.call.id': 'wacid.BIC1', 'whatsapp.call.duration': 42 });
    const [call] = spans('whatsapp call');
    expect(call.attributes).toMatchObject({
      'whatsapp.call.id': 'wacid.BIC1',
      'sip.call_id': callId,
      'whatsapp.signaling': 'sip',
      'whatsapp.call.status': 'completed',
      'whatsapp.call.duration': 42,
    });
    expect(call.links.map((l) => l.context.spanId)).toEqual([inv.spanContext().spanId, bye.spanContext().spanId]);
    const exported = JSON.stringify(harness.exporter.getFinishedSpans().map((s) => [s.attributes, s.events]));
    expect(exported).not.toMatch(/Digest|a=crypto|SECRETKEY|14085551234/);
  });

  it.each([
    [403, 'Business Initiated Connected Call Per Day Limit Hit', 'daily_quota', 'failed'],
    [403, 'SIP server x.example.com from INVITE does not match any SIP server configured for phone number id 1', 'configuration', 'failed'],
    [400, 'Asset not found, invalid business phone number', 'configuration', 'failed'],
    [404, 'Not found', 'configuration', 'failed'],
    [480, 'Temporarily Unavailable', 'recipient_unavailable', 'failed'],
    [486, 'User declined the call', 'declined', 'rejected'],
    [503, 'Service Unavailable', 'server', 'failed'],
  ])('classifies a final %i "%s" as %s (call %s)', (status, reason, category, callStatus) => {
    const callId = `bic-${status}-${category}`;
    feed(invite({ callId }), true);
    feed(response(407, 'Proxy Authentication Required', { callId }), false);
    feed(invite({ callId, auth: true, branch: 'z9hG4bK-2', cseq: 2 }), true);
    feed(response(status, reason, { callId, branch: 'z9hG4bK-2', cseq: 2, extra: status === 403 ? [`Warning: 399 wa.meta.vc "${reason}"`] : [] }), false);
    const [inv] = spans('whatsapp sip.invite');
    expect(inv.attributes).toMatchObject({ 'whatsapp.error.category': category, 'error.type': String(status), 'sip.reason': reason });
    expect(inv.status.code).toBe(SpanStatusCode.ERROR);
    expect(spans('whatsapp call')[0].attributes['whatsapp.call.status']).toBe(callStatus);
  });

  it('labels the INVITE duration metric with its final SIP status (the SIP status mix), not the error count', async () => {
    const duration = async (status: number) =>
      countOf(await harness.metric('whatsapp.calling.operation.duration'), { 'whatsapp.operation': 'sip.invite', 'sip.status_code': status });
    const [ok, busy] = [await duration(200), await duration(503)];
    for (const [callId, status, reason] of [
      ['mix-200', 200, 'OK'],
      ['mix-503', 503, 'Service Unavailable'],
    ] as const) {
      feed(invite({ callId, auth: true }), true);
      feed(response(status, reason, { callId, toTag: 't1' }), false);
    }
    expect((await duration(200)) - ok).toBe(1);
    expect((await duration(503)) - busy).toBe(1);
    const errors = await harness.metric('whatsapp.calling.errors');
    expect(errors?.dataPoints.every((p) => p.attributes['sip.status_code'] === undefined)).toBe(true);
  });

  it('reports a second challenge after credentials as an auth failure', () => {
    const callId = 'bic-badauth';
    feed(invite({ callId }), true);
    feed(response(407, 'Proxy Authentication Required', { callId }), false);
    feed(invite({ callId, auth: true, branch: 'z9hG4bK-2', cseq: 2 }), true);
    feed(response(407, 'Proxy Authentication Required', { callId, branch: 'z9hG4bK-2', cseq: 2 }), false);
    expect(spans('whatsapp sip.invite')[0].attributes).toMatchObject({ 'whatsapp.error.category': 'auth', 'sip.status_code': 407 });
  });

  it('treats CANCEL → 487 as a cancelled call, not an error', () => {
    const callId = 'bic-cancel';
    feed(invite({ callId, auth: true }), true);
    feed(response(180, 'Ringing', { callId }), false);
    feed(request('CANCEL', { callId, branch: 'z9hG4bK-1', cseq: 1 }), true);
    feed(response(200, 'OK', { callId, method: 'CANCEL' }), false);
    feed(response(487, 'Request Terminated', { callId }), false);
    const [inv] = spans('whatsapp sip.invite');
    expect(inv.status.code).toBe(SpanStatusCode.UNSET);
    expect(inv.attributes['sip.cancelled']).toBe(true);
    expect(inv.attributes['error.type']).toBeUndefined();
    expect(spans('whatsapp sip.cancel')).toHaveLength(1);
    expect(spans('whatsapp call')[0].attributes['whatsapp.call.status']).toBe('unanswered');
  });

  it('counts 408 RTP Timeout as a media timeout of kind rtp_timeout', async () => {
    const match = { 'whatsapp.media_timeout.kind': 'rtp_timeout', 'whatsapp.signaling': 'sip' };
    const before = sumOf(await harness.metric('whatsapp.calling.media_timeouts'), match);
    feed(invite({ callId: 'bic-408', auth: true }), true);
    feed(response(408, 'RTP Timeout', { callId: 'bic-408' }), false);
    expect(spans('whatsapp sip.invite')[0].attributes['whatsapp.error.category']).toBe('media_timeout');
    expect(sumOf(await harness.metric('whatsapp.calling.media_timeouts'), match) - before).toBe(1);
    expect(sumOf(await harness.metric('whatsapp.calling.errors'), { 'whatsapp.operation': 'sip.invite', 'error.type': '408' })).toBeGreaterThanOrEqual(1);
  });
});

describe("Meta's inbound (user-initiated) INVITE", () => {
  it("is a SERVER span through the business's own challenge, and a user-initiated call keyed by its wacid", () => {
    const callId = 'outgoing:wacid.HBgLMTIxODU1NTI4MjgVAgARGCAyODRQIAFRoA';
    feed(metaInvite(), false);
    feed(response(407, 'Proxy Authentication Required', { callId }), true);
    feed(metaInvite({ auth: true, branch: 'z9hG4bK-meta2', cseq: 2 }), false);
    feed(response(200, 'OK', { callId, branch: 'z9hG4bK-meta2', cseq: 2, toTag: 'b1' }), true);
    feed(request('BYE', { callId, branch: 'z9hG4bK-b' }), true);
    feed(response(200, 'OK', { callId, method: 'BYE', branch: 'z9hG4bK-b' }), false);
    const [inv] = spans('whatsapp sip.invite');
    expect(inv.kind).toBe(SpanKind.SERVER);
    expect(inv.attributes).toMatchObject({
      'whatsapp.call.id': 'wacid.HBgLMTIxODU1NTI4MjgVAgARGCAyODRQIAFRoA',
      'whatsapp.call.direction': 'user_initiated',
      'sip.status_code': 200,
    });
    const [call] = spans('whatsapp call');
    expect(call.kind).toBe(SpanKind.SERVER);
    expect(call.attributes).toMatchObject({
      'whatsapp.call.id': 'wacid.HBgLMTIxODU1NTI4MjgVAgARGCAyODRQIAFRoA',
      'whatsapp.call.direction': 'user_initiated',
      'whatsapp.call.status': 'completed',
    });
  });
});

describe('bounded state', () => {
  it('expires a transaction that never gets a final response', async () => {
    const events: SipOperationEvent[] = [];
    const tracker = new SipTransactionTracker({ operation: (e) => events.push(e) }, 30);
    tracker.observe({ message: parseSipMessage(Buffer.from(invite({ callId: 'lost' })))!, fromBusiness: true, at: 1, source: 'hep', transport: 'udp' });
    expect(tracker.openCount).toBe(1);
    await new Promise((r) => setTimeout(r, 60));
    expect(tracker.openCount).toBe(0);
    expect(events).toEqual([expect.objectContaining({ sipCallId: 'lost', expired: true })]);
  });

  it("expires transactions that time out together a slice per turn of the app's event loop", async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setImmediate', 'clearImmediate'] });
    try {
      const events: SipOperationEvent[] = [];
      const tracker = new SipTransactionTracker({ operation: (e) => events.push(e) }, 30); // swept every 10 ms
      const n = 2 * SWEEP_SLICE + 1;
      for (let i = 0; i < n; i++) {
        tracker.observe({
          message: parseSipMessage(Buffer.from(invite({ callId: `flood${i}` })))!,
          fromBusiness: true,
          at: 1,
          source: 'hep',
          transport: 'udp',
        });
      }
      await new Promise((r) => setTimeout(r, 40)); // real time: every transaction is past its timeout
      vi.advanceTimersByTime(10); // the interval: one slice, the rest queued as an immediate
      expect(tracker.openCount).toBe(SWEEP_SLICE + 1);
      vi.advanceTimersToNextTimer();
      expect(tracker.openCount).toBe(1);
      vi.advanceTimersToNextTimer();
      expect(tracker.openCount).toBe(0);
      expect(events.filter((e) => e.expired)).toHaveLength(n);
      expect(vi.getTimerCount()).toBe(0); // nothing open: the timer stopped
    } finally {
      vi.useRealTimers();
    }
  });

  it('holds at most MAX_OPEN transactions: the oldest open one is expired first', () => {
    const events: SipOperationEvent[] = [];
    const tracker = new SipTransactionTracker({ operation: (e) => events.push(e) }, 3_600_000);
    const open = (callId: string) =>
      tracker.observe({ message: parseSipMessage(Buffer.from(invite({ callId })))!, fromBusiness: true, at: 1, source: 'hep', transport: 'udp' });
    for (let i = 0; i < MAX_OPEN; i++) open(`c${i}`);
    expect(tracker.openCount).toBe(MAX_OPEN);
    open('one-more');
    open('and-another');
    expect(tracker.openCount).toBe(MAX_OPEN);
    expect(events.map((e) => [e.sipCallId, e.expired])).toEqual([
      ['c0', true],
      ['c1', true],
    ]);
    tracker.flush();
  });
});
