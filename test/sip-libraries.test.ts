/**
 * SIP libraries as sources: the `sip` package against Kamailio + sipp over real UDP (the logger tap
 * sees the 407 and the responses its callback hides), drachtio-srf from recorded drachtio-server
 * frames, and automatic patching when an app requires either library.
 */
import { SpanKind } from '@opentelemetry/api';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freeUdpPort } from './sip-peers/processes';
import { startSippUas } from './sip-peers/sipp';
import type { Sipp } from './sip-peers/sipp';
import { createHarness, eventually } from './helpers/otel-harness';
import { invite, response, request } from './sip/messages';

const requireCjs = createRequire(__filename);
const harness = createHarness({ callSettleMs: 0 });
const spans = (name: string) => harness.exporter.getFinishedSpans().filter((s) => s.name === name);
beforeEach(() => harness.reset());

describe('the sip package (sipp plays Meta over UDP)', () => {
  let sipp: Sipp;
  let sip: any;
  const byes: unknown[] = [];

  beforeAll(async () => {
    // sipp plays Meta's edge on its own here: it challenges, answers and hangs up.
    sipp = await startSippUas('uas-challenge-answer-then-bye.xml');
    harness.instrumentation.setConfig({ sipPeers: [`127.0.0.1:${sipp.port}`], callSettleMs: 0 });
    sip = harness.instrumentation.patchSipModule(requireCjs('sip'));
    const port = await freeUdpPort();
    // 127.0.0.2 (loopback): the sip package treats a route to its own address as a flow token.
    sip.start({ address: '127.0.0.2', port, tcp: false }, (rq: { method: string }) => {
      if (rq.method === 'BYE') {
        byes.push(rq);
        sip.send(sip.makeResponse(rq, 200, 'OK'));
      }
    });
  });
  afterAll(async () => {
    sip?.stop();
    await sipp?.stop();
  });

  it('traces an INVITE through the digest challenge, including responses its callback never shows', async () => {
    const digest = requireCjs('sip/digest');
    const uri = 'sip:+14085551234@wa.meta.vc';
    const rq = {
      method: 'INVITE',
      uri,
      headers: {
        to: { uri },
        from: { uri: 'sip:+15551441906@sip.example.com', params: { tag: 'lib1' } },
        'call-id': 'lib-call-1',
        cseq: { method: 'INVITE', seq: 1 },
        contact: [{ uri: `sip:+15551441906@127.0.0.2` }],
        route: [{ uri: `sip:127.0.0.1:${sipp.port};lr` }],
        'content-type': 'application/sdp',
      },
      content:
        'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/SAVP 111\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:LIBSECRETLIBSECRET\r\n',
    };
    const seenByApp: number[] = [];
    const final = await new Promise<{ status: number; headers: Record<string, unknown> }>((resolve) => {
      const ctx = { user: '15551441906', password: 'meta-sip-password' };
      let retried = false;
      const onResponse = (rs: { status: number; headers: Record<string, unknown> }) => {
        if (rs.status >= 200) seenByApp.push(rs.status);
        if (rs.status === 407 && !retried) {
          retried = true;
          const again = { ...rq, headers: { ...rq.headers, cseq: { method: 'INVITE', seq: 2 }, via: [] as unknown[] } };
          digest.signRequest(ctx, again, rs, ctx);
          sip.send(again, onResponse);
        } else if (rs.status >= 200 && rs.status !== 407) resolve(rs);
      };
      sip.send(rq, onResponse);
    });
    expect(final.status).toBe(200);
    const contact = (final.headers.contact as { uri: string }[])[0].uri;
    const routes = ((final.headers['record-route'] as { uri: string }[]) ?? []).slice().reverse();
    sip.send({
      method: 'ACK',
      uri: contact,
      headers: { to: final.headers.to, from: rq.headers.from, 'call-id': 'lib-call-1', cseq: { method: 'ACK', seq: 2 }, via: [], route: routes },
    });
    await eventually(() => byes.length === 1 && spans('whatsapp call').length === 1, 300);
    expect(seenByApp).toEqual([407, 200]);
    const [inv] = spans('whatsapp sip.invite');
    expect(inv.kind).toBe(SpanKind.CLIENT);
    expect(inv.attributes).toMatchObject({ 'sip.status_code': 200, 'sip.auth.challenged': true, 'network.transport': 'udp', 'sip.call_id': 'lib-call-1' });
    expect(spans('whatsapp call')[0].attributes).toMatchObject({
      'whatsapp.call.id': 'wacid.HBgLMTIxODU1NTI4MjgVAgARGCAyODRQIAFRoA',
      'whatsapp.call.duration': 7,
      'whatsapp.call.status': 'completed',
    });
    expect(JSON.stringify(harness.exporter.getFinishedSpans().map((s) => s.attributes))).not.toMatch(/LIBSECRET|Digest/);
  });
});

describe('drachtio-srf', () => {
  // Frames as drachtio-server sends them to the app: `id|sip|source|len|protocol|address|port|time|txn|dialog`.
  const frame = (id: number, source: 'network' | 'application', sip: string) =>
    `${id}|sip|${source}|${Buffer.byteLength(sip)}|tls|157.240.1.2|5061|12:00:00.000000|txn-${id}|dialog-1\r\n${sip}`;
  const sent = (id: number, sip: string) =>
    `${id}|response|r${id}|OK|application|${Buffer.byteLength(sip)}|tls|157.240.1.2|5061|12:00:00.000000|txn-${id}|dialog-1\r\n${sip}`;

  it('traces the SIP in recorded drachtio-server frames, both directions, before the agent handles them', () => {
    harness.instrumentation.setConfig({ sipPeers: ['157.240.1.2:5061'], callSettleMs: 0 });
    const Agent = harness.instrumentation.patchDrachtioAgent(requireCjs('drachtio-srf/lib/drachtio-agent'));
    const handled: string[] = [];
    const fakeAgent = { mapServer: new Map(), _onMsgSeen: handled };
    const feed = (f: string) => {
      Agent.prototype._onMsg.call(fakeAgent, {}, f);
      handled.push(f.split('|')[1]);
    };
    const callId = 'drachtio-1';
    feed(sent(1, invite({ callId })));
    feed(frame(2, 'network', response(407, 'Proxy Authentication Required', { callId })));
    feed(sent(3, invite({ callId, auth: true, branch: 'z9hG4bK-2', cseq: 2 })));
    feed(frame(4, 'network', response(200, 'OK', { callId, branch: 'z9hG4bK-2', cseq: 2, toTag: 'm' })));
    feed(frame(5, 'network', request('BYE', { callId, fromMeta: true, extra: ['x-wa-meta-wacid: wacid.DRACHTIO', 'x-wa-meta-call-duration: 11'] })));
    feed(frame(6, 'application', response(200, 'OK', { callId, method: 'BYE', branch: 'z9hG4bK-bye' })));
    feed('7|cdr:stop|network|0\r\nnot sip');
    expect(handled).toHaveLength(7);
    expect(spans('whatsapp sip.invite')[0].attributes).toMatchObject({ 'sip.status_code': 200, 'sip.auth.challenged': true });
    expect(spans('whatsapp call')[0].attributes).toMatchObject({ 'whatsapp.call.id': 'wacid.DRACHTIO', 'whatsapp.call.duration': 11 });
  });
});

describe('automatic patching', () => {
  it('patches sip and drachtio-srf when a plain CommonJS app requires them after the SDK started', () => {
    const root = path.resolve(__dirname, '..');
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        `
      const { WhatsAppCallingInstrumentation } = require('./build/src/index.js');
      new WhatsAppCallingInstrumentation();
      const mark = Symbol.for('opentelemetry-instrumentation-whatsapp-calling.patched');
      const sip = require('sip');
      const Agent = require('drachtio-srf/lib/drachtio-agent');
      console.log(JSON.stringify({ sip: typeof sip.create[mark] === 'function', drachtio: typeof Agent.prototype[mark] === 'function' }));
    `,
      ],
      { cwd: root, timeout: 20_000 },
    ).toString();
    expect(JSON.parse(out)).toEqual({ sip: true, drachtio: true });
  });
});
