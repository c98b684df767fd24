import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CallSignal } from '../src/events/call-signal';
import { foldCall } from '../src/tracker/fold-call';
import { signalsOfWebhook } from '../src/signals/from-webhook';

const T0 = 1_760_681_500_000;
const PHONE = '518638374672395';

const sig = (s: Partial<CallSignal> & Pick<CallSignal, 'type' | 'at'>): CallSignal => ({
  callId: 'wacid.A',
  source: 'webhook',
  signaling: 'graph_api',
  dedupeKey: `${s.type}|${s.at}|${s.status ?? ''}`,
  phoneNumberId: PHONE,
  ...s,
});

/** A user-initiated call: offered, pre-accepted, accepted, then ended 20 s in by a media timeout. */
const uicMediaTimeout: CallSignal[] = [
  sig({ type: 'connect', at: T0, direction: 'user_initiated', consumer: '917358580180' }),
  sig({ type: 'pre_accept', at: T0 + 1200, source: 'graph_api', succeeded: true, direction: 'user_initiated', dedupeKey: 'graph|r1' }),
  sig({ type: 'accept', at: T0 + 4000, source: 'graph_api', succeeded: true, direction: 'user_initiated', dedupeKey: 'graph|r2', requestId: 'r2' }),
  sig({ type: 'terminate', at: T0 + 27_000, direction: 'user_initiated', status: 'failed', durationS: 20, answeredAt: T0 + 7000, errors: [{ code: 138021 }] }),
];

/** A business-initiated call: placed, answered, ringing/accepted statuses, completed after 95 s. */
const bicCompleted: CallSignal[] = [
  sig({
    type: 'connect',
    at: T0,
    source: 'graph_api',
    succeeded: true,
    direction: 'business_initiated',
    consumer: '14085551234',
    requestId: 'REQ',
    dedupeKey: 'graph|REQ',
  }),
  sig({ type: 'connect_answer', at: T0 + 1000, direction: 'business_initiated' }),
  sig({ type: 'status', at: T0 + 2000, status: 'ringing', direction: 'business_initiated' }),
  sig({ type: 'status', at: T0 + 9000, status: 'accepted', direction: 'business_initiated' }),
  sig({ type: 'terminate', at: T0 + 104_000, status: 'completed', durationS: 95, answeredAt: T0 + 9000, direction: 'business_initiated' }),
];

describe('call record fold', () => {
  it('derives a media-timeout call record with the start phase and pre_accept timing', () => {
    const r = foldCall('wacid.A', uicMediaTimeout);
    expect(r).toMatchObject({
      status: 'failed',
      answered: true,
      durationS: 20,
      direction: 'user_initiated',
      error: { code: 138021, category: 'media_timeout', source: 'webhook' },
      mediaTimeout: { kind: 'receive', phase: 'call_start' },
      offeredAt: T0,
      preAcceptAt: T0 + 1200,
      acceptAt: T0 + 4000,
      acceptedWithoutPreAccept: false,
      requestId: 'r2',
      endTime: T0 + 27_000,
      startTime: T0,
    });
  });

  it('classifies completed, rejected, unanswered and never-terminated calls', () => {
    expect(foldCall('c', bicCompleted)).toMatchObject({ status: 'completed', answered: true, durationS: 95, requestId: 'REQ', consumer: '14085551234' });
    const rejected = [
      ...bicCompleted.slice(0, 3),
      sig({ type: 'status', at: T0 + 5000, status: 'rejected' }),
      sig({ type: 'terminate', at: T0 + 5500, status: 'failed' }),
    ];
    expect(foldCall('c', rejected).status).toBe('rejected');
    const unanswered = [...bicCompleted.slice(0, 3), sig({ type: 'terminate', at: T0 + 60_000, status: 'failed' })];
    expect(foldCall('c', unanswered)).toMatchObject({ status: 'unanswered', answered: false });
    expect(foldCall('c', bicCompleted.slice(0, 3), T0 + 99_000)).toMatchObject({ status: 'unknown', ended: false, endTime: T0 + 99_000 });
  });

  it('flags an accept without pre_accept, and a media timeout late in the call as mid_call', () => {
    const noPre = uicMediaTimeout.filter((s) => s.type !== 'pre_accept');
    expect(foldCall('c', noPre).acceptedWithoutPreAccept).toBe(true);
    const late = uicMediaTimeout.map((s) => (s.type === 'terminate' ? { ...s, durationS: 300, errors: [{ code: 138022 }] } : s));
    expect(foldCall('c', late).mediaTimeout).toEqual({ kind: 'transmit', phase: 'mid_call' });
  });

  it('does not let a failed Graph request end or answer a call', () => {
    const failedTerminate = sig({ type: 'terminate_request', at: T0 + 500, source: 'graph_api', succeeded: false, dedupeKey: 'graph|x' });
    expect(foldCall('c', [bicCompleted[0], failedTerminate])).toMatchObject({ ended: false, status: 'unknown' });
  });

  it('yields the same record for any order and duplication of the same signals', () => {
    for (const signals of [uicMediaTimeout, bicCompleted]) {
      const expected = foldCall('wacid.A', signals);
      const deliveries = fc
        .array(fc.constantFrom(...signals), { maxLength: 8 })
        .chain((dups) => fc.shuffledSubarray([...signals, ...dups], { minLength: signals.length + dups.length }));
      fc.assert(
        fc.property(deliveries, (order) => {
          expect(foldCall('wacid.A', order)).toEqual(expected);
        }),
      );
    }
  });
});

describe('webhook delivery parsing', () => {
  const envelope = (field: string, value: object) => ({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '553133154547046',
        changes: [{ field, value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15551441906', phone_number_id: PHONE }, ...value } }],
      },
    ],
  });

  it('reads the real media-timeout terminate capture with errors in both places once', () => {
    const errors = [
      { code: 138021, title: 'WhatsApp client terminated the call', message: 'WhatsApp client terminated the call', error_data: { details: 'x' } },
    ];
    const delivery = envelope('calls', {
      calls: [
        {
          id: 'wacid.HBgM',
          from: '917358580180',
          to: '15551441906',
          event: 'terminate',
          timestamp: '1760681533',
          direction: 'USER_INITIATED',
          start_time: '1760681513',
          end_time: '1760681533',
          duration: 20,
          status: 'FAILED',
          errors,
        },
      ],
      errors,
    });
    const { calls: signals, unattachedErrors } = signalsOfWebhook(delivery, 0);
    expect(unattachedErrors).toEqual([]);
    expect(signals).toEqual([
      expect.objectContaining({
        callId: 'wacid.HBgM',
        type: 'terminate',
        status: 'failed',
        durationS: 20,
        answeredAt: 1_760_681_513_000,
        at: 1_760_681_533_000,
        direction: 'user_initiated',
        consumer: '917358580180',
        phoneNumberId: PHONE,
        errors: [{ code: 138021, message: 'WhatsApp client terminated the call' }],
      }),
    ]);
  });

  it('reads connects, statuses in any casing, several entries, and tolerates missing phone numbers', () => {
    const d1 = envelope('calls', {
      calls: [{ id: 'wacid.U', event: 'connect', timestamp: '1749196895', direction: 'USER_INITIATED', from_user_id: 'US.1349' }],
    });
    const d2 = envelope('calls', { statuses: [{ id: 'wacid.B', type: 'call', status: 'Ringing', timestamp: '1749197000' }] });
    const both = { object: 'whatsapp_business_account', entry: [...d1.entry, ...d2.entry] };
    const { calls: signals } = signalsOfWebhook(both, 0);
    expect(signals.map((s) => [s.callId, s.type, s.status, s.consumer])).toEqual([
      ['wacid.U', 'connect', undefined, 'US.1349'],
      ['wacid.B', 'status', 'ringing', undefined],
    ]);
  });

  it('reads permission replies and message-level errors from the messages field', () => {
    const delivery = envelope('messages', {
      messages: [
        {
          from: '16505551234',
          id: 'wamid.x',
          timestamp: '1767168000',
          type: 'interactive',
          interactive: { type: 'call_permission_reply', call_permission_reply: { response: 'accept', is_permanent: false, response_source: 'user_action' } },
        },
      ],
      statuses: [{ id: 'wamid.y', status: 'failed', errors: [{ code: 131026, title: 'Message undeliverable' }] }],
    });
    const parsed = signalsOfWebhook(delivery, 0);
    expect(parsed.permissionReplies).toEqual([
      expect.objectContaining({ response: 'accept', responseSource: 'user_action', permanent: false, phoneNumberId: PHONE }),
    ]);
    expect(parsed.unattachedErrors).toEqual([{ field: 'messages', phoneNumberId: PHONE, code: 131026, dedupeKey: 'wh|message-error|wamid.y|131026' }]);
    expect(parsed.permissionReplies?.[0].dedupeKey).toBe('wh|permission|wamid.x');
  });

  it('never throws and yields only well-formed signals for hostile deliveries', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.jsonValue().map((v) => envelope('calls', { calls: [v, { id: v, event: 'terminate', errors: v, duration: v }], statuses: v, errors: v })),
        ),
        (body) => {
          const { calls: signals } = signalsOfWebhook(body, 1);
          for (const s of signals) {
            expect(typeof s.callId).toBe('string');
            expect(Number.isFinite(s.at)).toBe(true);
          }
        },
      ),
    );
  });
});
