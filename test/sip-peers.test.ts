/**
 * The SIP test peers work end to end over real sockets, with no instrumentation loaded: Kamailio plays
 * Meta's TLS edge (wa.meta.vc certificate, 407 digest, Meta's rejection texts, HEPv3 copies), sipp plays
 * Meta's far side (answers, hangs up, rings, takes CANCEL, rejects) and Meta calling a business.
 * The business side is written here with node:tls / node:net and string building, like user code.
 * Missing tools fail these tests (never skip them): .ci/run installs them.
 */
import { spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { META_REJECTIONS, SIP_PASSWORD, startKamailio } from './sip-peers/kamailio';
import type { Kamailio, KamailioOptions } from './sip-peers/kamailio';
import { boundSockets, freeTcpPort, INSTALL_HINT } from './sip-peers/processes';
import { META_WACID, metaInviteArgs, startSipp } from './sip-peers/sipp';
import type { Sipp } from './sip-peers/sipp';
import { all, BUSINESS, BusinessCall, businessServer, connectTls, cseqOf, h, rand, tagOf, WA_USER, WAIT_MS, within } from './sip-peers/business-sip';
import type { Msg, SipStream } from './sip-peers/business-sip';

// ---------------------------------------------------------------------------------------------------
// Peers started by this file; every one is stopped in afterAll (and most as soon as their test ends).
const running: { stop(): Promise<void> }[] = [];
afterAll(async () => {
  const errors: unknown[] = [];
  for (const p of running.reverse()) await p.stop().catch((e: unknown) => errors.push(e));
  if (errors.length) throw errors[0];
});

async function uas(scenarioName: string): Promise<Sipp> {
  const s = await startSipp({ scenario: scenarioName, mode: 'uas', transport: 'u1', calls: 1, timeoutSec: 60 });
  running.push(s);
  return s;
}
async function kamailio(opts: KamailioOptions): Promise<Kamailio> {
  const k = await startKamailio(opts);
  running.push(k);
  return k;
}

/** Meta's edge (Kamailio) in front of a sipp UAS playing `scenario`, and a TLS connection to it. */
async function withEdge(scenario: string, run: (sip: SipStream, sipp: Sipp) => Promise<void>): Promise<void> {
  const sipp = await uas(scenario);
  const k = await kamailio({ sippPort: sipp.port });
  const sip = await connectTls(k.tlsPort, k.ca);
  try {
    await run(sip, sipp);
  } finally {
    sip.close();
    await k.stop();
    await sipp.stop();
  }
}

async function sippPassed(sipp: Sipp): Promise<void> {
  const exit = await within(sipp.done, 'sipp exit');
  expect(exit.code, `sipp failed:\n${exit.stdout.slice(-3000)}\n${exit.stderr}`).toBe(0);
}

describe('tools the peers need', () => {
  it.each([
    ['kamailio', '-v'],
    ['sipp', '-v'],
    ['openssl', 'version'],
  ])('%s is installed', (tool, arg) => {
    const r = spawnSync(tool, [arg], { stdio: 'ignore', timeout: 10_000 });
    expect(r.error, `${tool} is missing: ${INSTALL_HINT}`).toBeUndefined();
  });
});

describe('Kamailio as wa.meta.vc, sipp as Meta (business-initiated calls over TLS)', () => {
  it('serves a wa.meta.vc / 127.0.0.1 certificate and binds nothing but 127.0.0.1', async () => {
    const sipp = await uas('uas-answer.xml');
    const k = await kamailio({ sippPort: sipp.port });
    for (const opts of [{ servername: 'wa.meta.vc' }, {}]) {
      const s = tls.connect({ host: '127.0.0.1', port: k.tlsPort, ca: k.ca, ...opts });
      await within(new Promise<void>((resolve, reject) => s.once('secureConnect', resolve).once('error', reject)), 'TLS handshake');
      expect(s.authorized).toBe(true);
      expect(s.getPeerCertificate().subjectaltname).toMatch(/DNS:wa\.meta\.vc.*IP Address:127\.0\.0\.1/);
      s.destroy();
    }
    for (const pgid of [k.pid, sipp.pid]) {
      const bound = boundSockets(pgid);
      expect(bound.length).toBeGreaterThan(0);
      expect(bound.filter((b) => !b.address.startsWith('127.0.0.1:'))).toEqual([]);
    }
    expect(boundSockets(k.pid)).toEqual(
      expect.arrayContaining([
        { proto: 'tcp', address: `127.0.0.1:${k.tlsPort}` },
        { proto: 'udp', address: `127.0.0.1:${k.udpPort}` },
      ]),
    );
    await k.stop();
    await sipp.stop();
  });

  it("INVITE → 407 → INVITE with digest → 200 from sipp → ACK → Meta's BYE over the same TLS connection → 200", async () => {
    await withEdge('uas-answer.xml', async (sip, sipp) => {
      const call = new BusinessCall(sip, WA_USER);
      const ok = await call.invite();
      const challenge = call.responses[0];
      expect(challenge.code).toBe(407);
      expect(h(challenge, 'proxy-authenticate')).toMatch(/^Digest realm="wa\.meta\.vc", nonce="[^"]+", qop="auth"/);
      expect(ok!.code).toBe(200);
      expect(h(ok!, 'content-type')).toBe('application/sdp');
      expect(ok!.body).toMatch(/^v=0\r\n[\s\S]*m=audio \d+ RTP\/SAVP/);
      expect(h(ok!, 'x-wa-meta-user-id')).toBe('US.13491208655302741918');
      expect(h(ok!, 'user-agent')).toBe('Facebook SipGateway');
      expect(h(ok!, 'contact')).toMatch(/;isfocus$/);
      expect(all(ok!, 'record-route').length).toBe(2); // Kamailio's double record-route (TLS ↔ UDP)
      call.ack();
      const bye = await call.receiveBye();
      expect(bye.start).toBe(`BYE sip:+${BUSINESS}@${sip.local};transport=tls SIP/2.0`);
      expect(h(bye, 'x-wa-meta-wacid')).toBe(META_WACID);
      expect(h(bye, 'x-wa-meta-call-duration')).toBe('7');
      expect(h(bye, 'call-id')).toBe(call.callId);
      expect(tagOf(h(bye, 'to'))).toBe(call.fromTag);
      expect(tagOf(h(bye, 'from'))).toBe(tagOf(h(ok!, 'to')));
      await sippPassed(sipp);
    });
  });

  it('the business hangs up: sipp answers its BYE with 200 (uas-answer-then-receive-bye)', async () => {
    await withEdge('uas-answer-then-receive-bye.xml', async (sip, sipp) => {
      const call = new BusinessCall(sip, WA_USER);
      expect((await call.invite())!.code).toBe(200);
      call.ack();
      const res = await call.bye();
      expect(res.code).toBe(200);
      await sippPassed(sipp);
    });
  });

  it('the business cancels while Meta rings: 180, CANCEL → 200, INVITE → 487 (uas-ring-then-cancel)', async () => {
    await withEdge('uas-ring-then-cancel.xml', async (sip, sipp) => {
      const call = new BusinessCall(sip, WA_USER);
      await call.invite(SIP_PASSWORD, { waitFinal: false });
      await call.provisional(180);
      call.cancel();
      const cancelled = await sip.next((r) => r.code !== undefined && h(r, 'cseq') === `${call.cseq} CANCEL`, '200 for CANCEL');
      expect(cancelled.code).toBe(200);
      const terminated = await sip.next((r) => r.code !== undefined && r.code >= 200 && h(r, 'cseq') === `${call.cseq} INVITE`, '487 for INVITE');
      expect(terminated.start).toBe('SIP/2.0 487 Request Terminated');
      call.ackFailure(terminated);
      await sippPassed(sipp);
    });
  });

  it.each([
    ['480', 'Temporarily Unavailable', 'uas-reject-480.xml'],
    ['486', 'User declined the call', 'uas-reject-486.xml'],
    ['408', 'RTP Timeout', 'uas-reject-408.xml'],
  ])('Meta rings, then answers %s %s (%s)', async (code, reason, scenarioFile) => {
    const sipp = await uas(scenarioFile);
    const k = await kamailio({ sippPort: sipp.port });
    const sip = await connectTls(k.tlsPort, k.ca);
    try {
      const call = new BusinessCall(sip, WA_USER);
      await call.invite(SIP_PASSWORD, { waitFinal: false });
      await call.provisional(180);
      const res = await sip.next((r) => r.code !== undefined && r.code >= 200 && h(r, 'cseq') === `${call.cseq} INVITE`, 'final response');
      expect(res.start).toBe(`SIP/2.0 ${code} ${reason}`);
      sip.send([
        `ACK ${call.uri} SIP/2.0`,
        `Via: SIP/2.0/TLS ${sip.local};branch=${call.branch};rport`,
        'Max-Forwards: 70',
        `From: "Acme" <sip:+${BUSINESS}@sip.example.com>;tag=${call.fromTag}`,
        `To: ${h(res, 'to')}`,
        `Call-ID: ${call.callId}`,
        `CSeq: ${call.cseq} ACK`,
      ]);
      await sippPassed(sipp);
    } finally {
      sip.close();
      await k.stop();
      await sipp.stop();
    }
  });
});

describe("Kamailio's own answers (Meta's rejection texts, digest failures)", () => {
  let sip: SipStream;
  beforeAll(async () => {
    // No call reaches a UAS here; the sippPort only has to be a port.
    const k = await kamailio({ sippPort: await freeTcpPort() });
    sip = await connectTls(k.tlsPort, k.ca);
    running.push({ stop: async () => sip.close() });
  });

  it.each(Object.entries(META_REJECTIONS))('sip:+%s@wa.meta.vc gets Meta’s answer after the digest round', async (user, r) => {
    const call = new BusinessCall(sip, user);
    const res = await call.invite();
    expect(call.responses.map((m) => m.code)).toEqual([407, r.code]);
    expect(res!.start).toBe(`SIP/2.0 ${r.code} ${r.reason}`);
    expect(h(res!, 'warning')).toBe(r.warning ? `399 wa.meta.vc "${r.reason}"` : '');
  });

  it('a wrong password gets a second 407', async () => {
    const call = new BusinessCall(sip, WA_USER);
    await call.invite('wrong-password');
    expect(call.responses.map((m) => m.code)).toEqual([407, 407]);
  });

  it('an IP address in the request URI gets 404, REGISTER gets 403', async () => {
    const callId = `biz-${rand()}`;
    sip.send([
      `INVITE sip:+${WA_USER}@127.0.0.1;transport=tls SIP/2.0`,
      `Via: SIP/2.0/TLS ${sip.local};branch=z9hG4bK-${rand()};rport`,
      'Max-Forwards: 70',
      `From: <sip:+${BUSINESS}@sip.example.com>;tag=${rand()}`,
      `To: <sip:+${WA_USER}@127.0.0.1>`,
      `Call-ID: ${callId}`,
      'CSeq: 1 INVITE',
      `Contact: <sip:+${BUSINESS}@${sip.local};transport=tls>`,
    ]);
    const notFound = await sip.next((m) => h(m, 'call-id') === callId && (m.code ?? 0) >= 200, '404');
    expect(notFound.code).toBe(404);
    sip.send([
      `REGISTER sip:wa.meta.vc SIP/2.0`,
      `Via: SIP/2.0/TLS ${sip.local};branch=z9hG4bK-${rand()};rport`,
      'Max-Forwards: 70',
      `From: <sip:+${BUSINESS}@wa.meta.vc>;tag=${rand()}`,
      `To: <sip:+${BUSINESS}@wa.meta.vc>`,
      `Call-ID: reg-${callId}`,
      'CSeq: 1 REGISTER',
      `Contact: <sip:+${BUSINESS}@${sip.local};transport=tls>`,
    ]);
    const forbidden = await sip.next((m) => h(m, 'call-id') === `reg-${callId}`, '403');
    expect(forbidden.code).toBe(403);
  });
});

describe('HEPv3 copies from Kamailio (trace on)', () => {
  it('a UDP collector on 127.0.0.1 receives HEP3 packets carrying the INVITE', async () => {
    const packets: Buffer[] = [];
    const collector = dgram.createSocket('udp4');
    collector.on('message', (b) => packets.push(b));
    await new Promise<void>((r) => collector.bind(0, '127.0.0.1', r));
    running.push({ stop: async () => new Promise<void>((r) => collector.close(() => r())) });
    const sipp = await uas('uas-answer.xml');
    const k = await kamailio({ sippPort: sipp.port, hepPort: collector.address().port, trace: true });
    const sip = await connectTls(k.tlsPort, k.ca);
    try {
      const call = new BusinessCall(sip, WA_USER);
      expect((await call.invite())!.code).toBe(200);
      call.ack();
      await call.receiveBye();
      await sippPassed(sipp);
      // HEPv3: "HEP3", u16 total length, then chunks (u16 vendor, u16 type, u16 length incl. header, data).
      const payloads = () =>
        packets.flatMap((p) => {
          if (p.subarray(0, 4).toString('latin1') !== 'HEP3' || p.readUInt16BE(4) !== p.length) return [];
          const out: string[] = [];
          for (let o = 6; o + 6 <= p.length;) {
            const [type, len] = [p.readUInt16BE(o + 2), p.readUInt16BE(o + 4)];
            if (len < 6 || o + len > p.length) break;
            if (type === 15) out.push(p.subarray(o + 6, o + len).toString('utf8'));
            o += len;
          }
          return out;
        });
      const until = Date.now() + WAIT_MS;
      while (!payloads().some((s) => s.startsWith('INVITE sip:')) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(packets.length).toBeGreaterThan(0);
      expect(packets.every((p) => p.subarray(0, 4).toString('latin1') === 'HEP3')).toBe(true);
      expect(payloads().some((s) => s.startsWith('INVITE sip:') && s.includes(call.callId))).toBe(true);
    } finally {
      sip.close();
      await k.stop();
      await sipp.stop();
    }
  });
});

// ---------------------------------------------------------------------------------------------------
/** The business's SIP server (UAS), challenging Meta with 407, over TLS or TCP. */
describe('sipp as Meta calling a business (user-initiated, uac-meta-invite)', () => {
  const expectMetaInvite = (invite: Msg) => {
    expect(invite.start).toMatch(new RegExp(`^INVITE sip:\\+${BUSINESS}@127\\.0\\.0\\.1:\\d+;transport=tls SIP/2\\.0$`));
    expect(h(invite, 'call-id')).toBe(`outgoing:${META_WACID}`);
    expect(h(invite, 'from')).toMatch(new RegExp(`^"${WA_USER}" <sip:\\+${WA_USER}@wa\\.meta\\.vc>;tag=`));
    expect(h(invite, 'user-agent')).toBe('Facebook SipGateway');
    expect(h(invite, 'x-fb-external-domain')).toBe('wa.meta.vc');
    expect(h(invite, 'x-wa-meta-wacid')).toBe(META_WACID);
    expect(h(invite, 'x-wa-meta-cta-payload')).toBe('order-4711');
    expect(h(invite, 'contact')).toMatch(/;isfocus$/);
    expect(h(invite, 'content-type')).toBe('application/sdp');
    expect(invite.body).toMatch(/^v=0\r\n[\s\S]*a=crypto:/);
  };

  it('through Kamailio to the business’s TLS server: 407 → digest → 200 → ACK → BYE with the call duration', async () => {
    const biz = businessServer('tls');
    const bizPort = await biz.listen();
    running.push(biz);
    const k = await kamailio({ sippPort: await freeTcpPort() });
    const sipp = await startSipp({
      scenario: 'uac-meta-invite.xml',
      mode: 'uac',
      transport: 'u1',
      remote: `127.0.0.1:${k.udpPort}`,
      calls: 1,
      timeoutSec: 30,
      extraArgs: metaInviteArgs({ business: BUSINESS, businessHost: `127.0.0.1:${bizPort}`, password: SIP_PASSWORD }),
    });
    running.push(sipp);
    try {
      await sippPassed(sipp);
      const methods = biz.received.map((m) => m.method);
      expect(methods).toEqual(['INVITE', 'ACK', 'INVITE', 'ACK', 'BYE']);
      const [first, , second, ack, bye] = biz.received;
      expectMetaInvite(first);
      expect(h(second, 'proxy-authorization')).toMatch(new RegExp(`^Digest username="${BUSINESS}",\\s*realm="sip\\.example\\.com"`));
      expect(h(second, 'call-id')).toBe(h(first, 'call-id'));
      expect(cseqOf(second).n).toBe(cseqOf(first).n + 1);
      expect(ack.start).toMatch(new RegExp(`^ACK sip:\\+${BUSINESS}@127\\.0\\.0\\.1:${bizPort};transport=tls SIP/2\\.0$`));
      expect(h(bye, 'x-wa-meta-wacid')).toBe(META_WACID);
      expect(h(bye, 'x-wa-meta-call-duration')).toBe('7');
      expect(h(bye, 'call-id')).toBe(`outgoing:${META_WACID}`);
    } finally {
      await sipp.stop();
      await k.stop();
      await biz.stop();
    }
  });

  it('directly over TCP (t1): the ACK for the 407 keeps the INVITE’s branch', async () => {
    const biz = businessServer('tcp');
    const bizPort = await biz.listen();
    running.push(biz);
    const sipp = await startSipp({
      scenario: 'uac-meta-invite.xml',
      mode: 'uac',
      transport: 't1',
      remote: `127.0.0.1:${bizPort}`,
      calls: 1,
      timeoutSec: 30,
      extraArgs: metaInviteArgs({ business: BUSINESS, businessHost: `127.0.0.1:${bizPort}`, password: SIP_PASSWORD }),
    });
    running.push(sipp);
    try {
      await sippPassed(sipp);
      expect(biz.received.map((m) => m.method)).toEqual(['INVITE', 'ACK', 'INVITE', 'ACK', 'BYE']);
      const [first, ackChallenge, second, ack] = biz.received;
      expectMetaInvite(first);
      const branch = (m: Msg) => /;branch=([^;\s]+)/.exec(h(m, 'via'))?.[1];
      expect(branch(ackChallenge)).toBe(branch(first));
      expect(branch(second)).not.toBe(branch(first));
      expect(branch(ack)).not.toBe(branch(second));
      expect(h(ack, 'cseq')).toBe(`${cseqOf(second).n} ACK`);
    } finally {
      await sipp.stop();
      await biz.stop();
    }
  });
});
