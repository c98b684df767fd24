/**
 * The lowest and highest installed version of every instrumented library gives the same WhatsApp
 * span contract: HTTP clients (undici 5.0.0 / 7.x / 8.x, axios 1.0.0 / 1.x latest, got 12.0.0 / 14.x /
 * 16.x, node-fetch 2.0.0 / 3.x) for a successful connect and a Meta error; drachtio-srf 4.3.0 (the
 * lowest 4.x that installs: 4.2.x depends on an unpublished package) and 5.x from recorded
 * drachtio-server frames. The `sip` package has one release in range (0.0.6): sip-libraries.test.ts.
 * In process, one instrumentation; versions a package declares for a newer Node are skipped here and
 * run by scripts/test-on-node.mjs on Node 22 and 24.
 */
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../../sandbox';
import type { Sandbox } from '../../sandbox';
import { countOf, createHarness, eventually } from '../helpers/otel-harness';
import { invite, request, response } from '../sip/messages';
import { VERSIONED_CLIENTS } from './helpers/versioned-clients';
import type { VersionedClient } from './helpers/versioned-clients';

const PHONE = '106540352242922';
const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';
const SIP_PEER = '157.240.1.2:5061';
const requireCjs = createRequire(__filename);

const harness = createHarness({ callSettleMs: 0 });
let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox();
  harness.instrumentation.setConfig({ graphApiBaseUrls: [sb.url], sipPeers: [SIP_PEER], callSettleMs: 0 });
});
afterAll(() => sb?.close());
beforeEach(() => harness.reset());

/** A span without what differs per request: ids, the port, timing. */
function shape(span: ReadableSpan) {
  const { 'whatsapp.request.id': requestId, 'whatsapp.fbtrace_id': fbtrace, 'whatsapp.call.id': callId, 'server.port': port, ...attributes } = span.attributes;
  return {
    name: span.name,
    kind: span.kind,
    status: span.status,
    attributes,
    hasRequestId: typeof requestId === 'string' && requestId.length > 0,
    hasFbtraceId: typeof fbtrace === 'string' && fbtrace.length > 0,
    callId: typeof callId === 'string' ? callId.replace(/^wacid\..+$/, 'wacid.<id>') : callId,
    port: port === sb.port,
  };
}

const connect = (to: string) => ({
  url: `${sb.url}/v23.0/${PHONE}/calls`,
  headers: { 'content-type': 'application/json', authorization: 'Bearer versions-token' },
  body: JSON.stringify({ messaging_product: 'whatsapp', to, action: 'connect', session: { sdp_type: 'offer', sdp: SDP } }),
});

/** A successful connect and one answered with Meta error 138006, through `client`: the two spans' shapes and the duration points. */
async function connectAndFail(client: Pick<VersionedClient, 'send'>) {
  const before = countOf(await harness.metric('whatsapp.calling.operation.duration'), { 'whatsapp.operation': 'calls.connect' });
  expect(await client.send(connect('14085551234'))).toBe(200);
  expect(await client.send(connect('15550138006'))).toBe(401);
  const spans = await eventually(() => harness.whatsappSpans().length >= 2 && harness.whatsappSpans());
  await new Promise((r) => setTimeout(r, 20)); // a duplicated hook would have added its span by now
  const after = countOf(await harness.metric('whatsapp.calling.operation.duration'), { 'whatsapp.operation': 'calls.connect' });
  return { spans: harness.whatsappSpans().map(shape), durationPoints: after - before, spanCount: spans.length };
}

describe('HTTP client libraries, lowest to highest version', () => {
  let reference: Awaited<ReturnType<typeof connectAndFail>>;

  beforeAll(async () => {
    harness.reset();
    // Global fetch is the reference: Node's own undici, no library in between.
    reference = await connectAndFail({
      send: async (o) => {
        const res = await fetch(o.url, { method: 'POST', headers: o.headers, body: o.body });
        await res.text();
        return res.status;
      },
    });
  });

  it('the reference (global fetch) records one connect span and one failed connect span', () => {
    expect(reference.spans).toHaveLength(2);
    const [ok, failed] = reference.spans;
    expect(ok).toMatchObject({
      name: 'whatsapp calls.connect',
      kind: 2,
      status: { code: 0 },
      callId: 'wacid.<id>',
      hasRequestId: true,
      hasFbtraceId: true,
      port: true,
      attributes: {
        'whatsapp.operation': 'calls.connect',
        'whatsapp.phone_number_id': PHONE,
        'http.response.status_code': 200,
        'whatsapp.call.direction': 'business_initiated',
      },
    });
    expect(failed).toMatchObject({
      name: 'whatsapp calls.connect',
      status: { code: 2 },
      hasRequestId: true,
      attributes: { 'http.response.status_code': 401, 'error.type': '138006', 'whatsapp.error.code': 138006, 'whatsapp.error.category': 'permission' },
    });
    expect(JSON.stringify(reference.spans)).not.toMatch(/versions-token|v=0|14085551234|15550138006/);
  });

  for (const client of VERSIONED_CLIENTS) {
    // Skipped where the version's own `engines` excludes this Node; a known gap is expected to fail
    // until it is fixed (then this flags it, and the mark goes).
    const test = client.unsupported ? it.skip : client.knownGap ? it.fails : it;
    const note = client.unsupported ? ` (not on this Node: ${client.unsupported})` : client.knownGap ? ` (known gap: ${client.knownGap})` : '';
    const name = `${client.label}: the same two spans and one duration point per request${note}`;
    test(name, async () => {
      const result = await connectAndFail(client);
      expect(result.spanCount).toBe(2);
      expect(result.durationPoints).toBe(2);
      expect(result.spans).toEqual(reference.spans);
    });
  }

  it('covers each library at its lowest and its highest version', () => {
    const versions = (library: string) => [...new Set(VERSIONED_CLIENTS.filter((c) => c.library === library).map((c) => c.version))];
    expect(versions('undici')[0]).toBe('5.0.0');
    expect(versions('axios')[0]).toBe('1.0.0');
    expect(versions('got')[0]).toBe('12.0.0');
    expect(versions('node-fetch')[0]).toBe('2.0.0');
    for (const library of ['undici', 'axios', 'got', 'node-fetch']) expect(versions(library).length).toBeGreaterThanOrEqual(2);
  });
});

describe('drachtio-srf, lowest (4.3.0) and highest (5.x) version', () => {
  // Frames as drachtio-server sends them to the app: `id|sip|source|len|protocol|address|port|time|txn|dialog`
  // (the same leader in 4.x and 5.x).
  const [host, port] = SIP_PEER.split(':');
  const frame = (id: number, source: 'network' | 'application', sip: string) =>
    `${id}|sip|${source}|${Buffer.byteLength(sip)}|tls|${host}|${port}|12:00:00.000000|txn-${id}|dialog-1\r\n${sip}`;
  const sent = (id: number, sip: string) =>
    `${id}|response|r${id}|OK|application|${Buffer.byteLength(sip)}|tls|${host}|${port}|12:00:00.000000|txn-${id}|dialog-1\r\n${sip}`;

  /** Feeds one recorded call (challenged INVITE, 200, Meta's BYE) to the agent class of `pkg`; the spans it gave. */
  async function recordedCall(pkg: string, callId: string) {
    const Agent = harness.instrumentation.patchDrachtioAgent(requireCjs(`${pkg}/lib/drachtio-agent`));
    const handled: string[] = [];
    const fakeAgent = { mapServer: new Map() };
    const feed = (f: string) => {
      Agent.prototype._onMsg.call(fakeAgent, {}, f); // no socket mapped: the agent discards after we observed
      handled.push(f.split('|')[1]);
    };
    feed(sent(1, invite({ callId })));
    feed(frame(2, 'network', response(407, 'Proxy Authentication Required', { callId })));
    feed(sent(3, invite({ callId, auth: true, branch: 'z9hG4bK-2', cseq: 2 })));
    feed(frame(4, 'network', response(200, 'OK', { callId, branch: 'z9hG4bK-2', cseq: 2, toTag: 'm' })));
    feed(frame(5, 'network', request('BYE', { callId, fromMeta: true, extra: ['x-wa-meta-wacid: wacid.DRACHTIO', 'x-wa-meta-call-duration: 11'] })));
    feed(frame(6, 'application', response(200, 'OK', { callId, method: 'BYE', branch: 'z9hG4bK-bye' })));
    expect(handled).toHaveLength(6);
    await eventually(() => harness.whatsappSpans().some((s) => s.name === 'whatsapp call'));
    return harness
      .whatsappSpans()
      .map((s) => ({
        name: s.name,
        kind: s.kind,
        status: s.status,
        attributes: { ...s.attributes, 'sip.call_id': s.attributes['sip.call_id'] === callId ? '<call id>' : s.attributes['sip.call_id'] },
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  it('records the same SIP spans from either version', async () => {
    const [lowest, highest] = ['drachtio-srf4', 'drachtio-srf'].map((pkg) => (requireCjs(`${pkg}/package.json`) as { version: string }).version);
    expect(lowest).toBe('4.3.0');
    expect(highest.startsWith('5.')).toBe(true);
    const v4 = await recordedCall('drachtio-srf4', 'drachtio-v4');
    harness.reset();
    const v5 = await recordedCall('drachtio-srf', 'drachtio-v5');
    expect(v4.map((s) => s.name)).toEqual(['whatsapp call', 'whatsapp sip.bye', 'whatsapp sip.invite']);
    expect(v4.find((s) => s.name === 'whatsapp sip.invite')!.attributes).toMatchObject({ 'sip.status_code': 200, 'sip.auth.challenged': true });
    expect(v4.find((s) => s.name === 'whatsapp call')!.attributes).toMatchObject({ 'whatsapp.call.id': 'wacid.DRACHTIO', 'whatsapp.call.duration': 11 });
    expect(v4).toEqual(v5);
  });
});
