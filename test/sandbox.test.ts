/**
 * The loopback Cloud API sandbox answers like graph.facebook.com for the Calling endpoints: success
 * shapes and headers, content encoding, and Meta's error bodies for every code it can produce.
 * Driven by plain fetch, node:http and node:https.
 */
import * as zlib from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../sandbox';
import type { Sandbox } from '../sandbox';
import {
  PHONE,
  SDP,
  USER,
  call,
  calls,
  closeSandboxes,
  connect,
  expectGraphHeaders,
  expectMetaError,
  permissions,
  raw,
  sandbox,
  startCall,
} from './helpers/sandbox-client';

afterEach(closeSandboxes);

describe('success responses, shaped and headed like graph.facebook.com', () => {
  it('connect answers a wacid with the Graph headers and records the exchange', async () => {
    const sb = await sandbox();
    const res = await connect(sb);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ messaging_product: 'whatsapp', calls: [{ id: expect.stringMatching(/^wacid\.[A-Za-z0-9_-]+$/) }] });
    expectGraphHeaders(res.headers);
    const rec = sb.requests.at(-1)!;
    expect(rec).toMatchObject({ method: 'POST', path: `/v23.0/${PHONE}/calls`, status: 200, json: { action: 'connect', to: USER } });
    expect(JSON.parse(rec.body).session.sdp).toBe(SDP);
    expect(JSON.parse(rec.responseBody)).toEqual(res.json);
    expect(rec.responseHeaders['x-fb-trace-id']).toBe(res.headers.get('x-fb-trace-id'));
    expect(sb.activeCalls(PHONE)).toBe(1);
  });

  it('pre_accept, accept, reject and terminate answer success, and end the call on reject or terminate', async () => {
    const sb = await sandbox();
    const ok = { messaging_product: 'whatsapp', success: true };
    const answer = { sdp_type: 'answer', sdp: SDP };
    expect((await calls(sb, { action: 'pre_accept', call_id: 'wacid.UIC1', session: answer })).json).toEqual(ok);
    expect((await calls(sb, { action: 'accept', call_id: 'wacid.UIC1', session: answer, biz_opaque_callback_data: 'order-1' })).json).toEqual(ok);
    expect(sb.activeCalls(PHONE)).toBe(1);
    expect((await calls(sb, { action: 'terminate', call_id: 'wacid.UIC1' })).json).toEqual(ok);
    sb.webhooks.connect({ callId: 'wacid.UIC2', direction: 'USER_INITIATED', user: USER });
    expect((await calls(sb, { action: 'reject', call_id: 'wacid.UIC2' })).json).toEqual(ok);
    expect(sb.activeCalls(PHONE)).toBe(0);
  });

  it('reads form-encoded bodies, with nested objects as JSON strings or in bracket form', async () => {
    const sb = await sandbox();
    const form = (f: Record<string, string>) =>
      call(sb, 'POST', `/v23.0/${PHONE}/calls`, new URLSearchParams(f).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
    const asJson = await form({ messaging_product: 'whatsapp', to: USER, action: 'connect', session: JSON.stringify({ sdp_type: 'offer', sdp: SDP }) });
    expect(asJson.json.calls[0].id).toMatch(/^wacid\./);
    const brackets = await form({ messaging_product: 'whatsapp', to: USER, action: 'connect', 'session[sdp_type]': 'offer', 'session[sdp]': SDP });
    expect(brackets.status).toBe(200);
    expect(sb.requests.at(-1)!.json).toMatchObject({ session: { sdp_type: 'offer', sdp: SDP } });
  });

  it('names the path version in facebook-api-version, or the configured default when the path has none', async () => {
    const sb = await sandbox({ apiVersion: 'v21.0' });
    expect((await call(sb, 'GET', `/v19.0/${PHONE}/settings`)).headers.get('facebook-api-version')).toBe('v19.0');
    const unversioned = await call(sb, 'POST', `/${PHONE}/calls`, { messaging_product: 'whatsapp', to: USER, action: 'connect', session: { sdp: SDP } });
    expect(unversioned.status).toBe(200);
    expectGraphHeaders(unversioned.headers, 'v21.0');
    expect((await call(await sandbox(), 'GET', `/${PHONE}/settings`)).headers.get('facebook-api-version')).toBe('v23.0');
  });

  it('call_permissions reports a temporary permission and both actions with their limits', async () => {
    const t0 = Date.UTC(2026, 0, 1);
    const sb = await sandbox({ now: () => t0 });
    const res = await permissions(sb);
    expect(res.status).toBe(200);
    expectGraphHeaders(res.headers);
    expect(res.json).toEqual({
      messaging_product: 'whatsapp',
      permission: { status: 'temporary', expiration_time: t0 / 1000 + 7 * 86_400 },
      actions: [
        {
          action_name: 'send_call_permission_request',
          can_perform_action: true,
          limits: [
            { time_period: 'PT24H', max_allowed: 1, current_usage: 0 },
            { time_period: 'P7D', max_allowed: 2, current_usage: 0 },
          ],
        },
        { action_name: 'start_call', can_perform_action: true, limits: [{ time_period: 'PT24H', max_allowed: 100, current_usage: 0 }] },
      ],
    });
    const byBsuid = await call(sb, 'GET', `/v23.0/${PHONE}/call_permissions?recipient=US.13491208655302741918`);
    expect(byBsuid.json.permission.status).toBe('temporary');
  });

  it('call_permissions reports no_permission, not an error, for an uncallable user', async () => {
    const sb = await sandbox();
    const res = await permissions(sb, '15550138006');
    expect(res.status).toBe(200);
    expect(res.json.permission).toEqual({ status: 'no_permission' });
    expect(startCall(res).can_perform_action).toBe(false);
  });

  it('settings GET shows the SIP password only with include_sip_credentials=true', async () => {
    const sb = await sandbox();
    const plain = await call(sb, 'GET', `/v23.0/${PHONE}/settings`);
    expectGraphHeaders(plain.headers);
    expect(plain.json.calling).toMatchObject({
      status: 'ENABLED',
      call_icon_visibility: 'DEFAULT',
      callback_permission_status: 'ENABLED',
      sip: { status: 'DISABLED' },
    });
    expect(plain.json.calling.srtp_key_exchange_protocol).toBeUndefined(); // returned only once set
    expect(JSON.stringify(plain.json)).not.toContain('sip_user_password');
    const withCreds = await call(sb, 'GET', `/v23.0/${PHONE}/settings?include_sip_credentials=true`);
    expect(withCreds.json.calling.sip.servers[0]).toMatchObject({
      app_id: expect.any(Number),
      hostname: 'sip.example.com',
      sip_user_password: expect.any(String),
    });
  });

  it('settings POST answers success, shows up in GET, and rejects a body without a calling object', async () => {
    const sb = await sandbox();
    const update = {
      calling: {
        srtp_key_exchange_protocol: 'SDES',
        audio: { additional_codecs: ['PCMA'] },
        sip: { status: 'ENABLED', servers: [{ hostname: 'sip.acme.test' }] },
      },
    };
    const res = await call(sb, 'POST', `/v23.0/${PHONE}/settings`, update);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ success: true });
    const read = (await call(sb, 'GET', `/v23.0/${PHONE}/settings`)).json.calling;
    expect(read).toMatchObject({
      status: 'ENABLED',
      srtp_key_exchange_protocol: 'SDES',
      audio: { additional_codecs: ['PCMA'] },
      sip: { status: 'ENABLED', servers: [{ hostname: 'sip.acme.test', port: 5061 }] },
    });
    const bad = await call(sb, 'POST', `/v23.0/${PHONE}/settings`, { status: 'ENABLED' });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 100, error_data: { details: expect.stringContaining('calling') } });
  });

  it('messages answers contacts and a wamid for call permission requests and voice call buttons', async () => {
    const sb = await sandbox();
    for (const interactive of [
      { type: 'call_permission_request', action: { name: 'call_permission_request' }, body: { text: 'May we call you?' } },
      { type: 'voice_call', body: { text: 'Talk to us' }, action: { name: 'voice_call', parameters: { display_text: 'Call now', ttl_minutes: 100 } } },
    ]) {
      const res = await call(sb, 'POST', `/v23.0/${PHONE}/messages`, {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '+1-408-555-1234',
        type: 'interactive',
        interactive,
      });
      expect(res.status).toBe(200);
      expectGraphHeaders(res.headers);
      expect(res.json).toEqual({
        messaging_product: 'whatsapp',
        contacts: [{ input: '+1-408-555-1234', wa_id: USER }],
        messages: [{ id: expect.stringMatching(/^wamid\./) }],
      });
    }
  });

  it("answers unknown paths and methods with Graph's unsupported-request error", async () => {
    const sb = await sandbox();
    for (const [method, path] of [
      ['POST', `/v23.0/${PHONE}/nonsense`],
      ['GET', `/v23.0/${PHONE}/calls`],
      ['POST', '/v23.0/me/calls'],
    ] as const) {
      const res = await call(sb, method, path, method === 'POST' ? {} : undefined);
      expect(res.status).toBe(400);
      expect(res.json.error).toEqual({
        message: expect.stringMatching(new RegExp(`^Unsupported ${method.toLowerCase()} request\\. Object with ID '(${PHONE}|me)' does not exist`)),
        type: 'GraphMethodException',
        code: 100,
        error_subcode: 33,
        fbtrace_id: res.headers.get('x-fb-trace-id'),
      });
    }
  });
});

describe('content encoding', () => {
  const decoders: Record<string, (b: Buffer) => Buffer> = { gzip: zlib.gunzipSync, br: zlib.brotliDecompressSync, deflate: zlib.inflateSync };

  it('gzip, br and deflate each decode to the same JSON, with gzip preferred when all are accepted', async () => {
    const sb = await sandbox();
    const url = `${sb.url}/v23.0/${PHONE}/call_permissions?user_wa_id=${USER}`;
    const identity = await raw(url, { headers: { 'accept-encoding': 'identity' } });
    expect(identity.headers['content-encoding']).toBeUndefined();
    const expected = JSON.parse(identity.body.toString());
    for (const encoding of ['gzip', 'br', 'deflate']) {
      const res = await raw(url, { headers: { 'accept-encoding': encoding } });
      expect(res.headers['content-encoding']).toBe(encoding);
      expect(Number(res.headers['content-length'])).toBe(res.body.length);
      expect(JSON.parse(decoders[encoding](res.body).toString())).toEqual(expected);
    }
    expect((await raw(url, { headers: { 'accept-encoding': 'deflate, br, gzip' } })).headers['content-encoding']).toBe('gzip');
    const viaFetch = await fetch(url, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(viaFetch.headers.get('content-encoding')).toBe('gzip');
    expect(await viaFetch.json()).toEqual(expected);
  });

  it('honours q=0, and answers identity when compression is off', async () => {
    const sb = await sandbox();
    const url = `${sb.url}/v23.0/${PHONE}/settings`;
    expect((await raw(url, { headers: { 'accept-encoding': 'gzip;q=0, br' } })).headers['content-encoding']).toBe('br');
    expect((await raw(url, { headers: { 'accept-encoding': '*;q=0' } })).headers['content-encoding']).toBeUndefined();
    const off = await sandbox({ compression: 'off' });
    const res = await raw(`${off.url}/v23.0/${PHONE}/settings`, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(res.body.toString()).calling.status).toBe('ENABLED');
  });
});

/** Code → HTTP status and (for the six-digit codes) the title in `message`, per reference §7. */
const CATALOGUE: [code: number, status: number][] = [
  [131000, 500],
  [131009, 400],
  [131016, 503],
  [131030, 400],
  [131055, 400],
  [138000, 401],
  [138001, 400],
  [138002, 429],
  [138003, 400],
  [138004, 500],
  [138005, 429],
  [138006, 401],
  [138007, 500],
  [138009, 400],
  [138012, 400],
  [138013, 400],
  [138014, 400],
  [138015, 400],
  [138017, 400],
  [138018, 400],
];

describe("Meta's error bodies", () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(() => sb.close());

  it.each(CATALOGUE)('a connect to a number ending in %i answers that code with HTTP %i', async (code, status) => {
    const res = await connect(sb, `1555${String(code).padStart(7, '0')}`);
    expectMetaError(res, code, status);
    expect(sb.activeCalls(PHONE)).toBe(0);
  });

  it('words 138006 as Meta does and names the next allowed call in 138012', async () => {
    expect((await connect(sb, '15550138006')).json.error.message).toBe('(#138006) No approved call permission from the recipient');
    expect((await connect(sb, '15550138012')).json.error.error_data.details).toMatch(/next call is allowed at \d{4}-\d\d-\d\dT.*\(\d{10}\)/);
  });

  it('answers 100 with details for each malformed /calls request', async () => {
    const cases: [object, RegExp][] = [
      [{ messaging_product: undefined, to: USER, action: 'connect', session: { sdp: SDP } }, /messaging_product is required/],
      [{ to: USER, action: 'dial', session: { sdp: SDP } }, /action must be one of/],
      [{ action: 'connect', session: { sdp: SDP } }, /parameter to is required/],
      [{ to: USER, action: 'connect' }, /parameter session is required/],
      [{ to: USER, action: 'connect', session: { sdp_type: 'offer', sdp: 'hello' } }, /SDP validation/],
      [{ action: 'terminate' }, /call_id is required/],
      [{ action: 'accept', call_id: '12345', session: { sdp: SDP } }, /^Invalid call_id$/],
      [{ to: USER, action: 'connect', session: { sdp: SDP }, biz_opaque_callback_data: 'x'.repeat(513) }, /at most 512/],
    ];
    for (const [body, details] of cases) {
      const res = await calls(sb, body);
      expectMetaError(res, 100, 400);
      expect(res.json.error.message).toBe('(#100) Invalid parameter');
      expect(res.json.error.error_data.details).toMatch(details);
    }
  });

  it('answers "Invalid call_id" for a call that has already ended', async () => {
    const id = (await connect(sb)).json.calls[0].id;
    expect((await calls(sb, { action: 'terminate', call_id: id })).status).toBe(200);
    const again = await calls(sb, { action: 'terminate', call_id: id });
    expectMetaError(again, 100, 400);
    expect(again.json.error.error_data.details).toMatch(/^Invalid call_id/);
  });

  it('answers the queued failNext error to the next matching request only', async () => {
    sb.failNext(613, { path: /\/call_permissions$/ });
    sb.failNext(138004, { action: 'accept' });
    expect((await connect(sb)).status).toBe(200);
    expectMetaError(await permissions(sb), 613, 429);
    expect((await permissions(sb)).status).toBe(200);
    expectMetaError(await calls(sb, { action: 'accept', call_id: 'wacid.Q', session: { sdp: SDP } }), 138004, 500);
    expect((await calls(sb, { action: 'accept', call_id: 'wacid.Q', session: { sdp: SDP } })).status).toBe(200);
    sb.failNext(100);
    expectMetaError(await call(sb, 'GET', `/v23.0/${PHONE}/settings`), 100, 400);
  });

  it('answers magic recipients on /messages too (permission request limit, permanent permission, allow list)', async () => {
    for (const [to, code] of [
      ['15550138009', 138009],
      ['15550138017', 138017],
      ['15550131030', 131030],
      ['15550131009', 131009],
    ] as const) {
      const res = await call(sb, 'POST', `/v23.0/${PHONE}/messages`, {
        messaging_product: 'whatsapp',
        to,
        type: 'interactive',
        interactive: { type: 'voice_call', action: { name: 'voice_call' } },
      });
      expectMetaError(res, code, 400);
    }
  });

  it('answers 131055 on a SIP-enabled number and 138000 when calling is disabled', async () => {
    const other = '200000000000001';
    const settings = (calling: object) => call(sb, 'POST', `/v23.0/${other}/settings`, { calling });
    const connectOther = () => call(sb, 'POST', `/v23.0/${other}/calls`, { messaging_product: 'whatsapp', to: USER, action: 'connect', session: { sdp: SDP } });
    await settings({ sip: { status: 'ENABLED' } });
    expectMetaError(await connectOther(), 131055, 400);
    await settings({ status: 'DISABLED', sip: { status: 'DISABLED' } });
    expectMetaError(await connectOther(), 138000, 401);
    await settings({ status: 'ENABLED' });
    expect((await connectOther()).status).toBe(200);
  });

  it('answers 190 with www-authenticate when the access token is missing or wrong', async () => {
    const locked = await sandbox({ accessToken: 'right-token' });
    for (const headers of [{ authorization: '' }, { authorization: 'Bearer wrong' }]) {
      const res = await call(locked, 'GET', `/v23.0/${PHONE}/settings`, undefined, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token - Cannot parse access token"');
      expect(res.json).toEqual({
        error: {
          message: 'Invalid OAuth access token - Cannot parse access token',
          type: 'OAuthException',
          code: 190,
          fbtrace_id: res.headers.get('x-fb-trace-id'),
        },
      });
    }
    expect((await call(locked, 'GET', `/v23.0/${PHONE}/settings`, undefined, { authorization: 'Bearer right-token' })).status).toBe(200);
    expect((await call(locked, 'GET', `/v23.0/${PHONE}/settings?access_token=right-token`, undefined, { authorization: '' })).status).toBe(200);
  });
});
