/**
 * The sandbox's limits (concurrency, rolling 24 h windows with an injected clock), TLS with its test
 * CA and slow responses, and webhook deliveries shaped and signed like Meta's.
 */
import { X509Certificate, createHmac, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebhookDelivery } from '../sandbox';
import { DAY, PHONE, SDP, USER, calls, closeSandboxes, connect, expectMetaError, permissions, raw, sandbox, startCall } from './helpers/sandbox-client';
import type { Json } from './helpers/sandbox-client';

afterEach(closeSandboxes);

describe('limits', () => {
  it('answers 138002 (HTTP 429) beyond the concurrent-call limit, and a terminate frees a slot', async () => {
    const sb = await sandbox({ concurrentCallLimit: 3 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await connect(sb, `1408555000${i}`)).json.calls[0].id);
    expect(sb.activeCalls(PHONE)).toBe(3);
    expectMetaError(await connect(sb, '14085550009'), 138002, 429);
    expect(sb.activeCalls('999')).toBe(0);
    await calls(sb, { action: 'terminate', call_id: ids[0] });
    expect(sb.activeCalls(PHONE)).toBe(2);
    expect((await connect(sb, '14085550009')).status).toBe(200);
    expectMetaError(await connect(sb, '14085550010'), 138002, 429);
  });

  it('counts user-initiated calls announced by a connect webhook against the concurrent limit', async () => {
    const sb = await sandbox({ concurrentCallLimit: 1 });
    sb.webhooks.connect({ callId: 'wacid.IN', direction: 'USER_INITIATED', user: USER });
    expect(sb.activeCalls(PHONE)).toBe(1);
    expectMetaError(await connect(sb, '14085550001'), 138002, 429);
    sb.webhooks.terminate({ callId: 'wacid.IN', direction: 'USER_INITIATED', user: USER, durationS: 5 });
    expect(sb.activeCalls(PHONE)).toBe(0);
    expect((await connect(sb, '14085550001')).status).toBe(200);
  });

  it('answers 138005 (HTTP 429) once the number has placed callInitiationLimit connects in 24 h', async () => {
    let now = Date.UTC(2026, 0, 1);
    const sb = await sandbox({ callInitiationLimit: 2, now: () => now });
    for (const to of ['14085550001', '14085550002']) await calls(sb, { action: 'terminate', call_id: (await connect(sb, to)).json.calls[0].id });
    expectMetaError(await connect(sb, '14085550003'), 138005, 429);
    now += DAY;
    expect((await connect(sb, '14085550003')).status).toBe(200);
  });

  it('answers 138012 once a pair reached its connected BI calls in a rolling 24 h, in step with call_permissions', async () => {
    const t0 = Date.UTC(2026, 0, 1, 9);
    let now = t0;
    const sb = await sandbox({ businessInitiatedCallLimit: 2, now: () => now });
    for (const offset of [0, 3_600_000]) {
      now = t0 + offset;
      const id = (await connect(sb)).json.calls[0].id;
      await calls(sb, { action: 'terminate', call_id: id });
    }
    now = t0 + 2 * 3_600_000;
    const firstFreesAt = (t0 + DAY) / 1000;
    const refused = await connect(sb);
    expectMetaError(refused, 138012, 400);
    expect(refused.json.error.error_data.details).toContain(`${new Date(t0 + DAY).toISOString()} (${firstFreesAt})`);
    expect(startCall(await permissions(sb))).toEqual({
      action_name: 'start_call',
      can_perform_action: false,
      limits: [{ time_period: 'PT24H', max_allowed: 2, current_usage: 2, limit_expiration_time: firstFreesAt }],
    });
    expect((await connect(sb, '14085550077')).status).toBe(200); // another user of the same number is not limited

    now = t0 + DAY + 1; // the first call left the window
    expect((await permissions(sb)).json.actions[1].limits[0]).toEqual({ time_period: 'PT24H', max_allowed: 2, current_usage: 1 });
    expect((await connect(sb)).status).toBe(200);
    expect(startCall(await permissions(sb)).limits[0]).toEqual({
      time_period: 'PT24H',
      max_allowed: 2,
      current_usage: 2,
      limit_expiration_time: (t0 + 3_600_000 + DAY) / 1000,
    });
  });

  it('does not count calls the simulated user never answers (recipient ending in 0000480)', async () => {
    const sb = await sandbox({ businessInitiatedCallLimit: 1 });
    for (let i = 0; i < 3; i++) {
      const res = await connect(sb, '14080000480');
      expect(res.status).toBe(200);
      await calls(sb, { action: 'terminate', call_id: res.json.calls[0].id });
    }
    expect(startCall(await permissions(sb, '14080000480')).limits[0].current_usage).toBe(0);
  });
});

describe('TLS and slow responses', () => {
  it('serves HTTPS with a test certificate for 127.0.0.1 and localhost that node:https trusts through sandbox.ca', async () => {
    const sb = await sandbox({ tls: true });
    expect(sb.url).toBe(`https://127.0.0.1:${sb.port}`);
    const body = JSON.stringify({ messaging_product: 'whatsapp', to: USER, action: 'connect', session: { sdp: SDP } });
    const res = await raw(`${sb.url}/v23.0/${PHONE}/calls`, { method: 'POST', body, ca: sb.ca, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString()).calls[0].id).toMatch(/^wacid\./);
    await expect(raw(`${sb.url}/v23.0/${PHONE}/settings`)).rejects.toThrow(/self[- ]signed/i);
    const cert = new X509Certificate(sb.ca!);
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(Date.parse(cert.validTo) - Date.parse(cert.validFrom)).toBeGreaterThanOrEqual(7300 * DAY - DAY);
  });

  it('writes the body in chunks without content-length when slowBody is set', async () => {
    const sb = await sandbox({ slowBody: true, responseDelayMs: 20 });
    const res = await raw(`${sb.url}/v23.0/${PHONE}/settings`, { headers: { 'accept-encoding': 'identity' } });
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.headers['content-length']).toBeUndefined();
    expect(JSON.parse(res.body.toString()).calling.status).toBe('ENABLED');
  });
});

describe('webhook deliveries', () => {
  const T = 1_760_681_506;

  it('sends the delivery with X-Hub-Signature-256 = sha256 HMAC of the raw body under the app secret', async () => {
    const sb = await sandbox();
    const seen: { raw: Buffer; headers: http.IncomingHttpHeaders }[] = [];
    const receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks);
        seen.push({ raw: rawBody, headers: req.headers });
        const expected = Buffer.from(`sha256=${createHmac('sha256', 'app-secret-1').update(rawBody).digest('hex')}`);
        const got = Buffer.from(String(req.headers['x-hub-signature-256']));
        res.statusCode = expected.length === got.length && timingSafeEqual(expected, got) ? 200 : 401;
        res.end(res.statusCode === 200 ? 'EVENT_RECEIVED' : 'bad signature');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const target = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhook`;
    try {
      const delivery = sb.webhooks.connect({ callId: 'wacid.SIGNED', direction: 'USER_INITIATED', user: USER, timestamp: T });
      expect(await sb.webhooks.send(target, delivery, { appSecret: 'app-secret-1' })).toEqual({ status: 200, body: 'EVENT_RECEIVED' });
      expect(JSON.parse(seen[0].raw.toString())).toEqual(delivery);
      expect(seen[0].headers['content-type']).toBe('application/json');
      expect((await sb.webhooks.send(target, delivery, { appSecret: 'another-secret' })).status).toBe(401);
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });

  it('builds a user-initiated connect with the SDP offer in the calls envelope', async () => {
    const sb = await sandbox();
    const d = sb.webhooks.connect({ callId: 'wacid.U1', direction: 'USER_INITIATED', user: '917358580180', timestamp: T, ctaPayload: 'btn-1' });
    expect(d).toEqual({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '553133154547046',
          changes: [
            {
              field: 'calls',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15551441906', phone_number_id: PHONE },
                contacts: [{ profile: { name: '917358580180' }, wa_id: '917358580180' }],
                calls: [
                  {
                    id: 'wacid.U1',
                    from: '917358580180',
                    to: '15551441906',
                    event: 'connect',
                    timestamp: String(T),
                    direction: 'USER_INITIATED',
                    cta_payload: 'btn-1',
                    session: { sdp_type: 'offer', sdp: expect.stringMatching(/^v=0\r\n[\s\S]*a=ice-lite\r\n[\s\S]*opus\/48000\/2\r\n/) },
                  },
                ],
              },
            },
          ],
        },
      ],
    });
  });

  it('builds a business-initiated connect with the SDP answer and the callback data', async () => {
    const sb = await sandbox();
    const call = sb.webhooks.connect({ callId: 'wacid.B1', direction: 'BUSINESS_INITIATED', user: USER, timestamp: T, bizOpaqueCallbackData: 'TRx334' })
      .entry[0].changes[0].value.calls as Json[];
    expect(call[0]).toMatchObject({
      id: 'wacid.B1',
      from: '15551441906',
      to: USER,
      event: 'connect',
      direction: 'BUSINESS_INITIATED',
      biz_opaque_callback_data: 'TRx334',
      session: { sdp_type: 'answer' },
    });
  });

  it('builds terminates with times only for answered calls, and errors both in the call and in the value', async () => {
    const sb = await sandbox();
    const answered = sb.webhooks.terminate({ callId: 'wacid.T1', direction: 'USER_INITIATED', user: USER, timestamp: T + 20, durationS: 20, errorCode: 138021 })
      .entry[0].changes[0].value;
    const error = {
      code: 138021,
      title: 'WhatsApp client terminated the call due to not receiving any media for a long time. Please try again',
      message: 'WhatsApp client terminated the call due to not receiving any media for a long time. Please try again',
      error_data: { details: 'WhatsApp client terminated the call due to not receiving any media for a long time.' },
    };
    expect(answered.calls).toEqual([
      {
        id: 'wacid.T1',
        from: USER,
        to: '15551441906',
        event: 'terminate',
        timestamp: String(T + 20),
        direction: 'USER_INITIATED',
        start_time: String(T),
        end_time: String(T + 20),
        duration: 20,
        status: 'FAILED',
        errors: [error],
      },
    ]);
    expect(answered.errors).toEqual([error]);
    const unanswered = sb.webhooks.terminate({ callId: 'wacid.T2', direction: 'BUSINESS_INITIATED', user: USER, timestamp: T, bizOpaqueCallbackData: 'cb' })
      .entry[0].changes[0].value;
    const c = (unanswered.calls as Json[])[0];
    expect(c).toMatchObject({ status: 'FAILED', biz_opaque_callback_data: 'cb' });
    expect(Object.keys(c)).not.toContain('start_time');
    expect(Object.keys(c)).not.toContain('duration');
    expect(unanswered.errors).toBeUndefined();
    const completed = sb.webhooks.terminate({ callId: 'wacid.T3', direction: 'BUSINESS_INITIATED', user: USER, timestamp: T, durationS: 95 }).entry[0]
      .changes[0].value;
    expect((completed.calls as Json[])[0]).toMatchObject({ status: 'COMPLETED', duration: 95, start_time: String(T - 95) });
  });

  it('builds RINGING, ACCEPTED and REJECTED statuses, with timestamps from the sandbox clock as strings', async () => {
    const sb = await sandbox({ now: () => T * 1000 });
    for (const status of ['RINGING', 'ACCEPTED', 'REJECTED'] as const) {
      const value = sb.webhooks.status({ callId: 'wacid.S1', status, user: USER, bizOpaqueCallbackData: 'cb' }).entry[0].changes[0].value;
      expect(value.statuses).toEqual([{ id: 'wacid.S1', type: 'call', status, timestamp: String(T), recipient_id: USER, biz_opaque_callback_data: 'cb' }]);
      expect(value.metadata).toEqual({ display_phone_number: '15551441906', phone_number_id: PHONE });
    }
  });

  it('builds a call permission reply on the messages field', async () => {
    const sb = await sandbox({ now: () => T * 1000 });
    const temporary: WebhookDelivery = sb.webhooks.permissionReply({ user: USER, response: 'accept', contextId: 'wamid.REQ' });
    expect(temporary.entry[0].changes[0].field).toBe('messages');
    expect((temporary.entry[0].changes[0].value.messages as Json[])[0]).toEqual({
      from: USER,
      id: expect.stringMatching(/^wamid\./),
      timestamp: String(T),
      type: 'interactive',
      context: { from: USER, id: 'wamid.REQ' },
      interactive: {
        type: 'call_permission_reply',
        call_permission_reply: { response: 'accept', is_permanent: false, expiration_timestamp: String(T + 7 * 86_400), response_source: 'user_action' },
      },
    });
    const permanent = sb.webhooks.permissionReply({ user: USER, response: 'accept', permanent: true }).entry[0].changes[0].value.messages as Json[];
    expect(permanent[0].interactive.call_permission_reply).toEqual({ response: 'accept', is_permanent: true, response_source: 'user_action' });
    const revoked = sb.webhooks.permissionReply({ user: USER, response: 'reject', source: 'automatic' }).entry[0].changes[0].value.messages as Json[];
    expect(revoked[0].interactive.call_permission_reply).toEqual({ response: 'reject', is_permanent: false, response_source: 'automatic' });
  });
});
