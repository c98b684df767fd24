/**
 * The loopback Cloud API sandbox answers like graph.facebook.com for the Calling endpoints: success
 * shapes and headers, content encoding, Meta's error bodies for every code it can produce, the
 * concurrency and rolling 24 h limits (with an injected clock), TLS with its test CA, and webhook
 * deliveries shaped and signed like Meta's. Driven by plain fetch, node:http and node:https.
 */
import { createHmac, timingSafeEqual, X509Certificate } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as zlib from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../sandbox';
import type { Sandbox, SandboxOptions, WebhookDelivery } from '../sandbox';

const PHONE = '106540352242922';
const USER = '14085551234';
const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';
const DAY = 24 * 60 * 60 * 1000;
type Json = Record<string, any>;

interface Reply {
  status: number;
  headers: Headers;
  json: Json;
}

const opened: Sandbox[] = [];
async function sandbox(opts?: SandboxOptions): Promise<Sandbox> {
  const sb = await startSandbox(opts);
  opened.push(sb);
  return sb;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((sb) => sb.close()));
});

async function call(sb: Sandbox, method: 'GET' | 'POST', path: string, body?: object | string, headers: Record<string, string> = {}): Promise<Reply> {
  const init: RequestInit = { method, headers: { authorization: 'Bearer t', ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { 'content-type': 'application/json', ...init.headers };
  }
  const res = await fetch(`${sb.url}${path}`, init);
  return { status: res.status, headers: res.headers, json: (await res.json()) as Json };
}
const calls = (sb: Sandbox, body: object) => call(sb, 'POST', `/v23.0/${PHONE}/calls`, { messaging_product: 'whatsapp', ...body });
const connect = (sb: Sandbox, to = USER, extra: object = {}) => calls(sb, { to, action: 'connect', session: { sdp_type: 'offer', sdp: SDP }, ...extra });
const permissions = (sb: Sandbox, user = USER) => call(sb, 'GET', `/v23.0/${PHONE}/call_permissions?user_wa_id=${user}`);
const startCall = (reply: Reply) => reply.json.actions.find((a: Json) => a.action_name === 'start_call');

/** A raw exchange over node:http or node:https (no automatic decoding). */
function raw(url: string, o: { method?: string; headers?: Record<string, string>; body?: string; ca?: string } = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const onRes = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    };
    const u = new URL(url);
    const opts = { method: o.method ?? 'GET', headers: o.headers };
    const req = u.protocol === 'https:' ? https.request(u, { ...opts, ca: o.ca }, onRes) : http.request(u, opts, onRes);
    req.on('error', reject);
    req.end(o.body);
  });
}

function expectGraphHeaders(h: Headers, version = 'v23.0') {
  expect(h.get('content-type')).toBe('application/json; charset=UTF-8');
  expect(h.get('x-fb-trace-id')).toMatch(/^[A-Za-z0-9_-]{11}$/);
  expect(h.get('x-fb-request-id')).toHaveLength(23);
  expect(h.get('x-fb-rev')).toMatch(/^\d{10}$/);
  expect(h.get('x-fb-debug')).toHaveLength(88);
  expect(h.get('facebook-api-version')).toBe(version);
  expect(h.get('strict-transport-security')).toMatch(/^max-age=\d+/);
  expect(h.get('cache-control')).toBe('private, no-cache, no-store, must-revalidate');
}

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
    const form = (f: Record<string, string>) => call(sb, 'POST', `/v23.0/${PHONE}/calls`, new URLSearchParams(f).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
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
    expect(plain.json.calling).toMatchObject({ status: 'ENABLED', call_icon_visibility: 'DEFAULT', callback_permission_status: 'ENABLED', sip: { status: 'DISABLED' } });
    expect(plain.json.calling.srtp_key_exchange_protocol).toBeUndefined(); // returned only once set
    expect(JSON.stringify(plain.json)).not.toContain('sip_user_password');
    const withCreds = await call(sb, 'GET', `/v23.0/${PHONE}/settings?include_sip_credentials=true`);
    expect(withCreds.json.calling.sip.servers[0]).toMatchObject({ app_id: expect.any(Number), hostname: 'sip.example.com', sip_user_password: expect.any(String) });
  });

  it('settings POST answers success, shows up in GET, and rejects a body without a calling object', async () => {
    const sb = await sandbox();
    const update = { calling: { srtp_key_exchange_protocol: 'SDES', audio: { additional_codecs: ['PCMA'] }, sip: { status: 'ENABLED', servers: [{ hostname: 'sip.acme.test' }] } } };
    const res = await call(sb, 'POST', `/v23.0/${PHONE}/settings`, update);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ success: true });
    const read = (await call(sb, 'GET', `/v23.0/${PHONE}/settings`)).json.calling;
    expect(read).toMatchObject({ status: 'ENABLED', srtp_key_exchange_protocol: 'SDES', audio: { additional_codecs: ['PCMA'] }, sip: { status: 'ENABLED', servers: [{ hostname: 'sip.acme.test', port: 5061 }] } });
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
      const res = await call(sb, 'POST', `/v23.0/${PHONE}/messages`, { messaging_product: 'whatsapp', recipient_type: 'individual', to: '+1-408-555-1234', type: 'interactive', interactive });
      expect(res.status).toBe(200);
      expectGraphHeaders(res.headers);
      expect(res.json).toEqual({ messaging_product: 'whatsapp', contacts: [{ input: '+1-408-555-1234', wa_id: USER }], messages: [{ id: expect.stringMatching(/^wamid\./) }] });
    }
  });

  it("answers unknown paths and methods with Graph's unsupported-request error", async () => {
    const sb = await sandbox();
    for (const [method, path] of [['POST', `/v23.0/${PHONE}/nonsense`], ['GET', `/v23.0/${PHONE}/calls`], ['POST', '/v23.0/me/calls']] as const) {
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
  [131000, 500], [131009, 400], [131016, 503], [131030, 400], [131055, 400], [138000, 401], [138001, 400], [138002, 429],
  [138003, 400], [138004, 500], [138005, 429], [138006, 401], [138007, 500], [138009, 400], [138012, 400], [138013, 400],
  [138014, 400], [138015, 400], [138017, 400], [138018, 400],
];

function expectMetaError(res: Reply, code: number, status: number) {
  expect(res.status).toBe(status);
  expectGraphHeaders(res.headers);
  expect(res.json.error).toEqual({
    message: expect.stringMatching(new RegExp(`^\\(#${code}\\) \\S`)),
    type: 'OAuthException',
    code,
    error_data: { messaging_product: 'whatsapp', details: expect.stringMatching(/\S/) },
    fbtrace_id: res.headers.get('x-fb-trace-id'),
  });
}

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
    for (const [to, code] of [['15550138009', 138009], ['15550138017', 138017], ['15550131030', 131030], ['15550131009', 131009]] as const) {
      const res = await call(sb, 'POST', `/v23.0/${PHONE}/messages`, { messaging_product: 'whatsapp', to, type: 'interactive', interactive: { type: 'voice_call', action: { name: 'voice_call' } } });
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
      expect(res.json).toEqual({ error: { message: 'Invalid OAuth access token - Cannot parse access token', type: 'OAuthException', code: 190, fbtrace_id: res.headers.get('x-fb-trace-id') } });
    }
    expect((await call(locked, 'GET', `/v23.0/${PHONE}/settings`, undefined, { authorization: 'Bearer right-token' })).status).toBe(200);
    expect((await call(locked, 'GET', `/v23.0/${PHONE}/settings?access_token=right-token`, undefined, { authorization: '' })).status).toBe(200);
  });
});

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
    expect(startCall(await permissions(sb)).limits[0]).toEqual({ time_period: 'PT24H', max_allowed: 2, current_usage: 2, limit_expiration_time: (t0 + 3_600_000 + DAY) / 1000 });
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
    const call = sb.webhooks.connect({ callId: 'wacid.B1', direction: 'BUSINESS_INITIATED', user: USER, timestamp: T, bizOpaqueCallbackData: 'TRx334' }).entry[0].changes[0].value.calls as Json[];
    expect(call[0]).toMatchObject({ id: 'wacid.B1', from: '15551441906', to: USER, event: 'connect', direction: 'BUSINESS_INITIATED', biz_opaque_callback_data: 'TRx334', session: { sdp_type: 'answer' } });
  });

  it('builds terminates with times only for answered calls, and errors both in the call and in the value', async () => {
    const sb = await sandbox();
    const answered = sb.webhooks.terminate({ callId: 'wacid.T1', direction: 'USER_INITIATED', user: USER, timestamp: T + 20, durationS: 20, errorCode: 138021 }).entry[0].changes[0].value;
    const error = {
      code: 138021,
      title: 'WhatsApp client terminated the call due to not receiving any media for a long time. Please try again',
      message: 'WhatsApp client terminated the call due to not receiving any media for a long time. Please try again',
      error_data: { details: 'WhatsApp client terminated the call due to not receiving any media for a long time.' },
    };
    expect(answered.calls).toEqual([
      { id: 'wacid.T1', from: USER, to: '15551441906', event: 'terminate', timestamp: String(T + 20), direction: 'USER_INITIATED', start_time: String(T), end_time: String(T + 20), duration: 20, status: 'FAILED', errors: [error] },
    ]);
    expect(answered.errors).toEqual([error]);
    const unanswered = sb.webhooks.terminate({ callId: 'wacid.T2', direction: 'BUSINESS_INITIATED', user: USER, timestamp: T, bizOpaqueCallbackData: 'cb' }).entry[0].changes[0].value;
    const c = (unanswered.calls as Json[])[0];
    expect(c).toMatchObject({ status: 'FAILED', biz_opaque_callback_data: 'cb' });
    expect(Object.keys(c)).not.toContain('start_time');
    expect(Object.keys(c)).not.toContain('duration');
    expect(unanswered.errors).toBeUndefined();
    const completed = sb.webhooks.terminate({ callId: 'wacid.T3', direction: 'BUSINESS_INITIATED', user: USER, timestamp: T, durationS: 95 }).entry[0].changes[0].value;
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
