/**
 * Privacy sweep: representative traffic through every source — Graph requests from several clients
 * to the Cloud API sandbox, signed webhook deliveries to Express and Fastify receivers, SIP dialogs in
 * both directions — with secrets planted in it: access tokens (Authorization and `access_token`), the
 * app secret and its webhook signatures, SIP digest credentials, SDP `a=ice-pwd`/`a=crypto`, consumer
 * numbers (`to`, `user_wa_id`, webhook from/to, SIP URIs), BSUIDs and a user name. Everything exported
 * (span names, attributes, status messages, events, links; every metric point) and every diag log line
 * is swept: with the default configuration none of the planted strings may appear. With
 * `consumerNumbers: 'hash'` a number appears only as its keyed HMAC.
 */
import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newCallId, signature256, startSandbox } from '../sandbox';
import type { Sandbox, WebhookDelivery } from '../sandbox';
import { parseSipMessage } from '../src/sip/wire';
import { captureEverything } from './helpers/faults/capture-everything';
import { send } from './helpers/clients';
import type { ClientName } from './helpers/clients';
import { eventually } from './helpers/otel-harness';
import { APP_SECRET, startWebhookApps } from './helpers/webhook-apps';
import type { WebhookApps } from './helpers/webhook-apps';
import { invite, metaInvite, request, response } from './sip/messages';

const PHONE = '106540352242922';
const TOKEN = 'EAAGplantedAccessTokenZX81x0SECRET';
const ICE_PWD = 'PlantedIcePwd7Qk2Lm9Xv4Rt';
const SRTP_KEY = 'PLANTEDsrtpKEYplantedSRTPkeyPLANTED0123';
const DIGEST = { nonce: 'plantedNonce5521', cnonce: 'plantedCnonce0193', response: 'd3adb33fd3adb33fd3adb33fd3adb33f' };
const NUMBERS = { connect: '14085559876', permissions: '14085550042', webhookUser: '14085550077', sip: '14085550123', metaCaller: '14085551234' };
const BSUIDS = {
  webhook: 'US.PlantedBsuid4410982736',
  permission: 'US.PlantedBsuid5521093847',
  connect: 'US.PlantedBsuid6632104958',
  sip: 'US.PlantedBsuid7743215069',
};
const USER_NAME = 'Zelda Plantedname';

const sdp = (setup: string) =>
  [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'c=IN IP4 0.0.0.0',
    'a=ice-ufrag:Pl4n',
    `a=ice-pwd:${ICE_PWD}`,
    `a=setup:${setup}`,
    `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${SRTP_KEY}`,
    'a=rtpmap:111 opus/48000/2',
    '',
  ].join('\r\n');

const capture = captureEverything({ callSettleMs: 0 });
const calling = capture.instrumentation;
let sandbox: Sandbox;
let apps: WebhookApps;
const signatures: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ accessToken: TOKEN });
  apps = await startWebhookApps(calling);
  calling.setConfig({ graphApiBaseUrls: [sandbox.url], callSettleMs: 0 });
});
afterAll(async () => {
  await apps.close();
  await sandbox.close();
});

const auth = { authorization: `Bearer ${TOKEN}` };
const graph = (client: ClientName, pathAndQuery: string, body?: object, method: 'GET' | 'POST' = body ? 'POST' : 'GET') =>
  send(client, { method, url: `${sandbox.url}/v23.0/${PHONE}/${pathAndQuery}`, body: body && JSON.stringify(body), headers: auth });
const callIdOf = (res: { body: Buffer }) => (JSON.parse(res.body.toString()) as { calls: { id: string }[] }).calls[0].id;

async function deliver(url: string, delivery: WebhookDelivery): Promise<void> {
  signatures.push(signature256(APP_SECRET, JSON.stringify(delivery)));
  const res = await sandbox.webhooks.send(url, delivery, { appSecret: APP_SECRET });
  expect(res.status).toBe(200);
}

let clock = Date.now();
function feedSip(raw: string, fromBusiness: boolean): void {
  clock += 50;
  calling.sipSources.observe({
    message: parseSipMessage(Buffer.from(raw))!,
    fromBusiness,
    at: clock,
    source: 'socket',
    transport: 'tls',
    peerAddress: '127.0.0.1',
    peerPort: 5061,
  });
}
const proxyAuth = `Proxy-Authorization: Digest username="15551441906", realm="wa.meta.vc", nonce="${DIGEST.nonce}", uri="sip:+${NUMBERS.sip}@wa.meta.vc", response="${DIGEST.response}", qop=auth, nc=00000001, cnonce="${DIGEST.cnonce}"`;

/** A business-initiated SIP call (407 round with planted digest values) and Meta's call in. */
function sipTraffic(callId: string, to = NUMBERS.sip): void {
  feedSip(invite({ callId, to, body: sdp('actpass') }), true);
  feedSip(
    response(407, 'Proxy Authentication Required', {
      callId,
      to,
      toTag: 'm1',
      extra: [`Proxy-Authenticate: Digest realm="wa.meta.vc", nonce="${DIGEST.nonce}", qop="auth"`],
    }),
    false,
  );
  feedSip(invite({ callId, to, body: sdp('actpass'), branch: 'z9hG4bK-2', cseq: 2, extra: [proxyAuth] }), true);
  feedSip(
    response(200, 'OK', {
      callId,
      to,
      branch: 'z9hG4bK-2',
      cseq: 2,
      toTag: 'm2',
      body: sdp('passive'),
      extra: [`x-wa-meta-user-id: ${BSUIDS.sip}`, 'Content-Type: application/sdp'],
    }),
    false,
  );
  feedSip(request('BYE', { callId, to, fromMeta: true, extra: ['x-wa-meta-wacid: wacid.SIPPRIV1', 'x-wa-meta-call-duration: 12'] }), false);
  feedSip(response(200, 'OK', { callId, to, method: 'BYE', branch: 'z9hG4bK-bye', cseq: 2 }), true);
}

async function representativeTraffic(): Promise<void> {
  // Business-initiated over the Graph API: connect (token in header), status webhooks, terminate.
  const bic = callIdOf(
    await graph('fetch', 'calls', {
      messaging_product: 'whatsapp',
      to: NUMBERS.connect,
      action: 'connect',
      session: { sdp_type: 'offer', sdp: sdp('actpass') },
    }),
  );
  await deliver(
    apps.expressJsonUrl,
    sandbox.webhooks.connect({
      callId: bic,
      direction: 'BUSINESS_INITIATED',
      user: NUMBERS.connect,
      userId: BSUIDS.webhook,
      userName: USER_NAME,
      sdp: sdp('passive'),
    }),
  );
  await deliver(apps.expressRawUrl, sandbox.webhooks.status({ callId: bic, status: 'ACCEPTED', user: NUMBERS.connect, userId: BSUIDS.webhook }));
  await graph('node:http(s)', `calls?access_token=${TOKEN}`, { messaging_product: 'whatsapp', call_id: bic, action: 'terminate' });
  await deliver(
    apps.fastifyUrl,
    sandbox.webhooks.terminate({
      callId: bic,
      direction: 'BUSINESS_INITIATED',
      user: NUMBERS.connect,
      userId: BSUIDS.webhook,
      userName: USER_NAME,
      durationS: 21,
    }),
  );

  // User-initiated: Meta's connect webhook with its offer, pre_accept and accept with our answer.
  const uic = newCallId();
  await deliver(
    apps.expressRawUrl,
    sandbox.webhooks.connect({
      callId: uic,
      direction: 'USER_INITIATED',
      user: NUMBERS.webhookUser,
      userId: BSUIDS.webhook,
      userName: USER_NAME,
      sdp: sdp('actpass'),
    }),
  );
  await graph('axios', `calls?access_token=${TOKEN}`, {
    messaging_product: 'whatsapp',
    call_id: uic,
    action: 'pre_accept',
    session: { sdp_type: 'answer', sdp: sdp('active') },
  });
  await graph('undici.request', 'calls', {
    messaging_product: 'whatsapp',
    call_id: uic,
    action: 'accept',
    session: { sdp_type: 'answer', sdp: sdp('active') },
  });
  await deliver(
    apps.expressJsonUrl,
    sandbox.webhooks.terminate({
      callId: uic,
      direction: 'USER_INITIATED',
      user: NUMBERS.webhookUser,
      userId: BSUIDS.webhook,
      userName: USER_NAME,
      errorCode: 138021,
    }),
  );

  // A connect to a BSUID, a refused connect (Meta error), permissions and a permission reply.
  await graph('got', 'calls', { messaging_product: 'whatsapp', to: BSUIDS.connect, action: 'connect', session: { sdp_type: 'offer', sdp: sdp('actpass') } });
  sandbox.failNext(138006, { action: 'connect' });
  await graph('node-fetch', 'calls', {
    messaging_product: 'whatsapp',
    to: NUMBERS.connect,
    action: 'connect',
    session: { sdp_type: 'offer', sdp: sdp('actpass') },
  });
  await graph('undici.fetch', `call_permissions?user_wa_id=${NUMBERS.permissions}&access_token=${TOKEN}`);
  await graph('undici.Pool', 'messages', {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to: NUMBERS.permissions,
    type: 'interactive',
    interactive: { type: 'call_permission_request', action: { name: 'call_permission_request' }, body: { text: 'May we call?' } },
  });
  await deliver(
    apps.fastifyUrl,
    sandbox.webhooks.permissionReply({ user: NUMBERS.permissions, userId: BSUIDS.permission, response: 'accept', permanent: true }),
  );

  // SIP: a business-initiated dialog, and Meta's call in with digest credentials.
  sipTraffic('priv-sip-1');
  feedSip(metaInvite({ auth: true }), false);
  feedSip(
    response(200, 'OK', { callId: 'outgoing:wacid.HBgLMTIxODU1NTI4MjgVAgARGCAyODRQIAFRoA', branch: 'z9hG4bK-meta', toTag: 'biz', body: sdp('passive') }),
    true,
  );

  // End everything still open, so every call span (with its events and links) is exported too.
  calling.sipSources.tracker.flush();
  calling.callPath.tracker.flush(true);
}

function plantedSecrets(): [string, string][] {
  return [
    ['access token', TOKEN],
    ['app secret', APP_SECRET],
    ...signatures.map((s): [string, string] => ['webhook signature', s.slice('sha256='.length)]),
    ['digest scheme', 'Digest '],
    ['digest response', DIGEST.response],
    ['digest nonce', DIGEST.nonce],
    ['digest cnonce', DIGEST.cnonce],
    ['digest response of the repo fixture', '0123456789abcdef0123456789abcdef'],
    ['SDP ice-pwd attribute', 'ice-pwd'],
    ['SDP ice password', ICE_PWD],
    ['SDP crypto attribute', 'a=crypto'],
    ['SDP SRTP key', SRTP_KEY],
    ['SDP SRTP key of the repo fixture', 'SECRETKEY'],
    ...Object.entries(NUMBERS).map(([k, v]): [string, string] => [`consumer number (${k})`, v]),
    ...Object.entries(BSUIDS).map(([k, v]): [string, string] => [`BSUID (${k})`, v]),
    ['BSUID prefix', 'US.Planted'],
    ['user name', USER_NAME],
    ['user name (last name)', 'Plantedname'],
  ];
}

describe('privacy sweep with the default configuration', () => {
  let everything = '';

  beforeAll(async () => {
    capture.reset();
    await representativeTraffic();
    await eventually(() => capture.spans.getFinishedSpans().filter((s) => s.name === 'whatsapp call').length >= 4);
    everything = await capture.text();
  });

  it('swept real traffic of every source: Graph operations, webhooks, SIP, calls, metrics', () => {
    const names = new Set(capture.spans.getFinishedSpans().map((s) => s.name));
    for (const n of [
      'whatsapp calls.connect',
      'whatsapp calls.pre_accept',
      'whatsapp calls.accept',
      'whatsapp calls.terminate',
      'whatsapp call_permissions.get',
      'whatsapp messages.call_permission_request',
      'whatsapp sip.invite',
      'whatsapp sip.bye',
      'whatsapp call',
    ]) {
      expect(names, n).toContain(n);
    }
    expect(capture.spans.getFinishedSpans().some((s) => s.events.length > 0 && s.links.length > 0)).toBe(true);
    expect(everything).toContain('whatsapp.calling.operation.duration');
    expect(everything).toContain('whatsapp.calling.permission_replies');
    expect(signatures.length).toBeGreaterThanOrEqual(6);
  });

  it('can fail: with consumerNumbers raw the sweep finds the number, and diag lines reach it', async () => {
    capture.reset();
    calling.setConfig({ graphApiBaseUrls: [sandbox.url, 'not a url'], callSettleMs: 0, consumerNumbers: 'raw' });
    try {
      await graph('fetch', 'calls', {
        messaging_product: 'whatsapp',
        to: NUMBERS.connect,
        action: 'connect',
        session: { sdp_type: 'offer', sdp: sdp('actpass') },
      });
      await eventually(() => capture.spans.getFinishedSpans().length > 0);
      const text = await capture.text();
      expect(text).toContain(NUMBERS.connect);
      expect(text).toContain('ignoring invalid graphApiBaseUrls entry: not a url');
    } finally {
      calling.setConfig({ graphApiBaseUrls: [sandbox.url], callSettleMs: 0 });
      calling.callPath.tracker.flush(true);
    }
  });

  it.each(plantedSecrets().map(([what]) => [what]))('exports and logs no %s', (what) => {
    for (const [kind, secret] of plantedSecrets().filter(([w]) => w === what)) {
      const at = everything.indexOf(secret);
      expect(at, `${kind} found: …${everything.slice(Math.max(0, at - 200), at + 100)}…`).toBe(-1);
      expect(everything.toLowerCase().includes(secret.toLowerCase()), `${kind} (any case)`).toBe(false);
    }
  });
});

describe("consumerNumbers: 'hash'", () => {
  const hmac = (key: string, value: string) => createHmac('sha256', key).update(value).digest('hex').slice(0, 32);

  async function userIdsWith(key: string | undefined) {
    calling.setConfig({
      graphApiBaseUrls: [sandbox.url],
      callSettleMs: 0,
      consumerNumbers: 'hash',
      ...(key === undefined ? {} : { consumerNumberHashKey: key }),
    });
    capture.reset();
    await graph('fetch', 'calls', {
      messaging_product: 'whatsapp',
      to: NUMBERS.connect,
      action: 'connect',
      session: { sdp_type: 'offer', sdp: sdp('actpass') },
    });
    sipTraffic(`hash-sip-${key ?? 'none'}`);
    const graphSpan = await eventually(() => capture.spans.getFinishedSpans().find((s) => s.name === 'whatsapp calls.connect'));
    const sipSpan = capture.spans.getFinishedSpans().find((s) => s.name === 'whatsapp sip.invite')!;
    calling.callPath.tracker.flush(true);
    const text = await capture.text();
    return { graph: graphSpan.attributes['whatsapp.user.id'], sip: sipSpan.attributes['whatsapp.user.id'], text };
  }

  afterAll(() => calling.setConfig({ graphApiBaseUrls: [sandbox.url], callSettleMs: 0 }));

  it('records a number only as its HMAC under the configured key; another key gives other values', async () => {
    const a = await userIdsWith('key-A-0f3c9e');
    expect(a.graph).toBe(hmac('key-A-0f3c9e', NUMBERS.connect));
    expect(a.sip).toBe(hmac('key-A-0f3c9e', NUMBERS.sip));
    for (const n of [NUMBERS.connect, NUMBERS.sip, BSUIDS.sip]) expect(a.text).not.toContain(n);
    const b = await userIdsWith('key-B-77d210');
    expect(b.graph).toBe(hmac('key-B-77d210', NUMBERS.connect));
    expect(b.graph).not.toBe(a.graph);
    expect(b.sip).not.toBe(a.sip);
    for (const n of [NUMBERS.connect, NUMBERS.sip]) expect(b.text).not.toContain(n);
  });

  it('without a key still hides the number, and the option documents that such hashes are guessable', async () => {
    const none = await userIdsWith(undefined);
    expect(none.graph).toMatch(/^[0-9a-f]{32}$/);
    expect(none.text).not.toContain(NUMBERS.connect);
    const types = fs.readFileSync(path.join(__dirname, '../src/types.ts'), 'utf8');
    const doc = /\/\*\*([^]*?)\*\/\s*consumerNumberHashKey\?/.exec(types)?.[1] ?? '';
    expect(doc).toMatch(/without it.*fixed key.*guessable/i);
  });
});
