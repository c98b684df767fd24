/**
 * "Is this peer Meta?" has one answer (MetaPeers) for the socket tap, the library taps and HEP:
 * configured peers, host names resolved through DNS (an injected resolver here: no internet needed),
 * HEP `metaAddresses` and addresses learned from libraries. Real sockets on loopback throughout.
 */
import type { DiagLogger } from '@opentelemetry/api';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeHep3 } from '../src/sip/hep';
import type { SipObservation } from '../src/sip/tracking/sip-observation';
import type { SipOperationEvent } from '../src/sip/tracking/sip-operation';
import { callIdOf } from '../src/sip/wire';
import { observeDrachtioFrame } from '../src/sources/sip/library-taps';
import { MetaPeers } from '../src/sources/sip/meta-peers';
import type { HostResolver } from '../src/sources/sip/peer-name-resolution';
import { SipSources } from '../src/sources/sip/sip-sources';
import type { WhatsAppCallingInstrumentationConfig } from '../src/types';
import { invite, metaInvite, response } from './sip/messages';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(probe: () => boolean, what: string, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (probe()) return;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface Logged {
  warn: string[];
  debug: string[];
  error: unknown[];
}
function diagLogger(): DiagLogger & { logged: Logged } {
  const logged: Logged = { warn: [], debug: [], error: [] };
  return {
    logged,
    warn: (m: string) => void logged.warn.push(m),
    debug: (m: string) => void logged.debug.push(m),
    error: (m: string, e?: unknown) => void logged.error.push([m, e]),
    info: () => undefined,
    verbose: () => undefined,
  };
}

/** A fake DNS: name → addresses; counts lookups. */
function fakeDns(table: Record<string, string[] | Error>): HostResolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (name: string) => {
    calls.push(name);
    const answer = table[name];
    if (answer === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return Object.assign(resolve, { calls });
}

const started: SipSources[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) {
    s.socketTap.disable();
    await s.hepReceiver.stop();
  }
});

function sources(config: WhatsAppCallingInstrumentationConfig, resolveHost: HostResolver, extra: Partial<ConstructorParameters<typeof SipSources>[0]> = {}) {
  const diag = diagLogger();
  const events: SipOperationEvent[] = [];
  const s = new SipSources({ config: () => config, isEnabled: () => true, emit: (e) => events.push(e), diag, resolveHost, ...extra });
  const seen: SipObservation[] = [];
  const track = s.tracker.observe.bind(s.tracker);
  s.tracker.observe = (o: SipObservation) => {
    seen.push(o);
    track(o);
  };
  started.push(s);
  return { s, diag, events, seen };
}

async function sendUdp(port: number, packets: Buffer[], localAddress = '127.0.0.1'): Promise<void> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, localAddress, () => r()));
  for (const p of packets) await new Promise((r) => sock.send(p, port, '127.0.0.1', r));
  sock.close();
}

const leg = (srcIp: string, srcPort: number, dstIp: string, dstPort: number, sip: string) =>
  encodeHep3({ ipProtocol: 22, srcIp, srcPort, dstIp, dstPort, timestampMs: 1_760_000_000_000, payload: Buffer.from(sip) });

describe('MetaPeers: where Meta is', () => {
  it('learns the addresses of a sipPeers host name through DNS: an endpoint on the peer port, an address on any other', async () => {
    const dns = fakeDns({ 'wa.meta.vc': ['127.0.0.5', '::ffff:127.0.0.6'] });
    const meta = new MetaPeers({ config: () => ({}), warn: () => undefined, debug: () => undefined, resolve: dns });
    expect(meta.classify('127.0.0.5', 5061)).toBeUndefined(); // nothing resolved yet, and no waiting for it
    await meta.refresh();
    expect(dns.calls).toContain('wa.meta.vc');
    expect(meta.classify('127.0.0.5', 5061)).toBe('endpoint');
    expect(meta.classify('::ffff:127.0.0.6', 5061)).toBe('endpoint');
    expect(meta.classify('127.0.0.5', 40123)).toBe('address');
    expect(meta.classify('127.0.0.9', 5061)).toBeUndefined();
    expect(meta.isMetaTarget('wa.meta.vc', 5061)).toBe(true);
    expect(meta.isMetaTarget('WA.META.VC', 443)).toBe(false);
    expect(meta.isMetaTarget('127.0.0.5', 5061)).toBe(true);
  });

  it('does not look any name up until a source needs an IP answer', async () => {
    const dns = fakeDns({ 'wa.meta.vc': ['127.0.0.5'] });
    const meta = new MetaPeers({ config: () => ({}), warn: () => undefined, debug: () => undefined, resolve: dns });
    meta.retain(); // a source is enabled, but the app has not spoken SIP
    await sleep(20);
    expect(dns.calls).toEqual([]);
    meta.classify('127.0.0.5', 5061);
    await until(() => dns.calls.length === 1, 'the lookup');
    meta.release();
  });

  it('an app that only connects elsewhere never looks wa.meta.vc up; one that creates a server (Meta may call it) does', async () => {
    const dns = fakeDns({ 'wa.meta.vc': ['127.0.0.5'] });
    const { s } = sources({}, dns);
    s.socketTap.enable();
    const other = new net.Server((c) => c.destroy());
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    const c = net.connect((other.address() as net.AddressInfo).port, '127.0.0.1');
    await new Promise((r) => c.once('close', r).once('error', r));
    other.close();
    await sleep(20);
    expect(dns.calls).toEqual([]);
    const server = net.createServer();
    await until(() => dns.calls.length === 1, 'the lookup');
    expect(dns.calls).toEqual(['wa.meta.vc']);
    server.close();
  });

  it('keeps the last good answer when a refresh fails, logs the failure at debug level only, and refreshes on its timer', async () => {
    const table: Record<string, string[] | Error> = { 'wa.meta.vc': ['127.0.0.5'] };
    const dns = fakeDns(table);
    const debug: string[] = [];
    const warn: string[] = [];
    const meta = new MetaPeers({ config: () => ({}), warn: (m) => warn.push(m), debug: (m) => debug.push(m), resolve: dns, refreshMs: 20 });
    meta.retain();
    meta.need();
    await until(() => meta.classify('127.0.0.5', 5061) === 'endpoint', 'the first answer');
    table['wa.meta.vc'] = Object.assign(new Error('queryA ETIMEOUT wa.meta.vc'), { code: 'ETIMEOUT' });
    const before = dns.calls.length;
    await until(() => dns.calls.length >= before + 2, 'two refreshes on the timer');
    expect(meta.classify('127.0.0.5', 5061)).toBe('endpoint');
    expect(debug.join('\n')).toMatch(/could not resolve sipPeers host wa\.meta\.vc \(ETIMEOUT\)/);
    expect(warn).toEqual([]);
    // Meta moves: the new address is learned, the old one forgotten after missing from three answers.
    table['wa.meta.vc'] = ['127.0.0.7'];
    await until(() => meta.classify('127.0.0.7', 5061) === 'endpoint' && meta.classify('127.0.0.5', 5061) === undefined, 'the move');
    meta.release();
    const stopped = dns.calls.length;
    await sleep(80);
    expect(dns.calls.length).toBeLessThanOrEqual(stopped + 1); // no refreshes once no source is enabled
  });

  it('never throws into the app, whatever the resolver does', async () => {
    const throwsSync: HostResolver = () => {
      throw new Error('boom');
    };
    const never: HostResolver = () => new Promise(() => undefined);
    for (const resolve of [throwsSync, never, (async () => [42, null, '127.0.0.5']) as unknown as HostResolver]) {
      const meta = new MetaPeers({ config: () => ({}), warn: () => undefined, debug: () => undefined, resolve });
      expect(() => meta.classify('127.0.0.5', 5061)).not.toThrow();
      await Promise.race([meta.refresh(), sleep(50)]);
      expect(meta.isMetaPeer('127.0.0.9', 5061)).toBe(false);
    }
  });

  it('reads hep.metaAddresses as ip:port endpoints, bare IPs and CIDR blocks (every port), and warns about the rest', () => {
    const warn: string[] = [];
    const meta = new MetaPeers({
      config: () => ({
        sipPeers: ['10.0.0.1:5061'],
        hep: { metaAddresses: ['157.240.1.2:5061', '157.240.9.9', '31.13.64.0/18', '[2a03:2880::1]:5061', 'bogus', '10.0.0.0/99'] },
      }),
      warn: (m) => warn.push(m),
      debug: () => undefined,
      resolve: fakeDns({}),
    });
    expect(meta.classify('157.240.1.2', 5061)).toBe('endpoint');
    expect(meta.classify('157.240.1.2', 5062)).toBe('address');
    expect(meta.classify('157.240.9.9', 1234)).toBe('endpoint');
    expect(meta.classify('31.13.70.1', 1234)).toBe('endpoint');
    expect(meta.classify('::ffff:31.13.70.1', 1234)).toBe('endpoint');
    expect(meta.classify('2a03:2880::1', 5061)).toBe('endpoint');
    expect(meta.classify('10.0.0.1', 5061)).toBe('endpoint');
    expect(meta.classify('10.0.0.2', 5061)).toBeUndefined();
    expect(warn.filter((w) => /invalid hep\.metaAddresses/.test(w))).toHaveLength(2);
  });

  it('decides the Meta side of a HEP leg: an endpoint on one side first, else an address on one side; both or neither is not a leg with Meta', () => {
    const meta = new MetaPeers({ config: () => ({ sipPeers: ['127.0.0.1:5061'] }), warn: () => undefined, debug: () => undefined, resolve: fakeDns({}) });
    const side = (a: string, b: string) => {
      const [ip1, p1] = a.split(':');
      const [ip2, p2] = b.split(':');
      return meta.metaSide({ ip: ip1, port: Number(p1) }, { ip: ip2, port: Number(p2) });
    };
    expect(side('10.1.2.3:40000', '127.0.0.1:5061')).toBe('dst');
    expect(side('127.0.0.1:5061', '10.1.2.3:40000')).toBe('src');
    expect(side('127.0.0.1:40000', '127.0.0.1:5061')).toBe('dst'); // same host: the endpoint decides
    expect(side('127.0.0.1:40001', '10.1.2.3:5061')).toBe('src'); // Meta calling in from an ephemeral port
    expect(side('127.0.0.1:5060', '127.0.0.1:5080')).toBeUndefined();
    expect(side('10.0.0.1:5060', '10.0.0.2:5060')).toBeUndefined();
  });
});

describe('one decision for every SIP source', () => {
  it('the socket tap, a library tap and HEP all observe Meta at a resolved address, and all ignore an address that is not Meta', async () => {
    // "Meta's SIP edge": a plain server (new net.Server, not the tapped createServer).
    const edge = new net.Server((s) => s.resume());
    await new Promise<void>((r) => edge.listen(0, '127.0.0.1', () => r()));
    const edgePort = (edge.address() as net.AddressInfo).port;
    // The app's own SIP server, which Meta calls (from 127.0.0.5) and a stranger calls (from 127.0.0.6).
    const { s, seen } = sources({ sipPeers: [`wa.meta.vc:${edgePort}`], hep: { port: 0 } }, fakeDns({ 'wa.meta.vc': ['127.0.0.1', '127.0.0.5'] }));
    s.socketTap.enable();
    s.hepReceiver.enable();
    await s.hepReady();
    await s.metaPeers.refresh();
    const app = net.createServer((sock) => sock.resume());
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', () => r()));
    const appPort = (app.address() as net.AddressInfo).port;
    const hepPort = s.hepReceiver.addresses().udp!;
    const bySource = (callId: string) => [...new Set(seen.filter((o) => callIdOf(o.message) === callId).map((o) => o.source))].sort();

    const connectAndSend = async (opts: net.NetConnectOpts, sip: string) => {
      const c = net.connect(opts);
      await new Promise((r) => c.once('connect', r));
      c.write(sip);
      await sleep(30);
      c.destroy();
    };
    const drachtio = (source: 'application' | 'network', address: string, port: number, sip: string) =>
      observeDrachtioFrame(`1|sip|${source}|${Buffer.byteLength(sip)}|tls|${address}|${port}|12:00:00.000000|txn-1|dialog-1\r\n${sip}`, s.libraryDeps);
    try {
      // (a) The business calls Meta's endpoint (resolved address, peer port).
      await connectAndSend({ host: '127.0.0.1', port: edgePort }, invite({ callId: 'to-endpoint' }));
      drachtio('application', '127.0.0.1', edgePort, invite({ callId: 'to-endpoint' }));
      await sendUdp(hepPort, [leg('10.1.2.3', 40000, '127.0.0.1', edgePort, invite({ callId: 'to-endpoint' }))]);
      // (b) Meta calls in from another resolved address and an ephemeral port.
      await connectAndSend({ host: '127.0.0.1', port: appPort, localAddress: '127.0.0.5' }, metaInvite({ callId: 'from-meta' }));
      drachtio('network', '127.0.0.5', 41234, metaInvite({ callId: 'from-meta' }));
      await sendUdp(hepPort, [leg('127.0.0.5', 41234, '10.1.2.3', 5061, metaInvite({ callId: 'from-meta' }))]);
      // (c) A stranger (127.0.0.6) does the same.
      await connectAndSend({ host: '127.0.0.1', port: appPort, localAddress: '127.0.0.6' }, metaInvite({ callId: 'stranger' }));
      drachtio('network', '127.0.0.6', 41234, metaInvite({ callId: 'stranger' }));
      await sendUdp(hepPort, [leg('127.0.0.6', 41234, '10.1.2.3', 5061, metaInvite({ callId: 'stranger' }))]);
      await until(() => s.hepReceiver.stats.received === 3, 'the HEP packets');
      await until(() => bySource('from-meta').length === 3, 'the inbound observations');

      expect(bySource('to-endpoint')).toEqual(['drachtio', 'hep', 'socket']);
      expect(bySource('from-meta')).toEqual(['drachtio', 'hep', 'socket']);
      expect(bySource('stranger')).toEqual([]);
      const fromMeta = seen.filter((o) => callIdOf(o.message) === 'from-meta');
      expect(fromMeta.map((o) => [o.source, o.fromBusiness, o.peerAddress])).toEqual(
        expect.arrayContaining([
          ['socket', false, '127.0.0.5'],
          ['drachtio', false, '127.0.0.5'],
          ['hep', false, '127.0.0.5'],
        ]),
      );
    } finally {
      app.close();
      edge.close();
    }
  });
});

describe('HEP with the default sipPeers (wa.meta.vc:5061) and no metaAddresses', () => {
  it('matches the legs to the addresses wa.meta.vc resolves to and emits the SIP operation', async () => {
    const { s, events } = sources({ hep: { port: 0 } }, fakeDns({ 'wa.meta.vc': ['127.0.0.7'] }));
    s.hepReceiver.enable();
    await s.hepReady();
    await s.metaPeers.refresh();
    const out = (sip: string) => leg('10.1.2.3', 40000, '127.0.0.7', 5061, sip);
    const back = (sip: string) => leg('127.0.0.7', 5061, '10.1.2.3', 40000, sip);
    await sendUdp(s.hepReceiver.addresses().udp!, [
      out(invite({ callId: 'dns-1' })),
      back(response(407, 'Proxy Authentication Required', { callId: 'dns-1' })),
      out(invite({ callId: 'dns-1', auth: true, branch: 'z9hG4bK-2', cseq: 2 })),
      back(response(480, 'Temporarily Unavailable', { callId: 'dns-1', branch: 'z9hG4bK-2', cseq: 2 })),
    ]);
    await until(() => events.length === 1, 'the INVITE operation');
    expect(events[0]).toMatchObject({
      operation: 'sip.invite',
      role: 'client',
      finalStatus: 480,
      challenged: true,
      source: 'hep',
      peerAddress: '127.0.0.7',
      peerPort: 5061,
    });
    expect(s.hepReceiver.stats).toMatchObject({ received: 4, accepted: 4 });
  });
});

describe('HEP that no configured peer explains', () => {
  const other = (i: number) => leg('10.0.0.1', 5060, '10.0.0.2', 5080, invite({ callId: `other-${i}` }));

  it('warns once, naming what to configure, when SIP arrives but no leg has Meta on one side', async () => {
    const { s, diag } = sources({ hep: { port: 0 } }, fakeDns({ 'wa.meta.vc': ['127.0.0.7'] }));
    await s.metaPeers.refresh();
    for (let i = 0; i < 19; i++) s.hepReceiver.onPacket(other(i));
    expect(diag.logged.warn).toEqual([]);
    for (let i = 19; i < 100; i++) s.hepReceiver.onPacket(other(i));
    expect(diag.logged.warn).toHaveLength(1);
    expect(diag.logged.warn[0]).toMatch(/none is between Meta and another address/);
    expect(diag.logged.warn[0]).toContain('10.0.0.1:5060 → 10.0.0.2:5080');
    expect(diag.logged.warn[0]).toContain('wa.meta.vc → 127.0.0.7');
    expect(diag.logged.warn[0]).toMatch(/`sipPeers`.*`hep\.metaAddresses`/);
    expect(s.hepReceiver.stats.ignored.other_leg).toBe(100);
  });

  it('stays silent once a leg with Meta was seen, and waits for the DNS answer before judging', async () => {
    const { s, diag } = sources({ hep: { port: 0 } }, fakeDns({ 'wa.meta.vc': ['127.0.0.7'] }));
    await s.metaPeers.refresh();
    s.hepReceiver.onPacket(leg('10.1.2.3', 40000, '127.0.0.7', 5061, invite({ callId: 'meta' })));
    for (let i = 0; i < 100; i++) s.hepReceiver.onPacket(other(i));
    expect(diag.logged.warn).toEqual([]);

    let answer: (a: string[]) => void = () => undefined;
    const pending: HostResolver = () => new Promise((r) => (answer = r));
    const late = sources({ hep: { port: 0 } }, pending);
    late.s.hepReceiver.enable(); // an enabled source: resolution starts
    await late.s.hepReady();
    for (let i = 0; i < 50; i++) late.s.hepReceiver.onPacket(other(i));
    expect(late.diag.logged.warn).toEqual([]); // wa.meta.vc not resolved yet
    answer([]);
    await sleep(0);
    late.s.hepReceiver.onPacket(other(50));
    expect(late.diag.logged.warn).toHaveLength(1);
    expect(late.diag.logged.warn[0]).toContain('wa.meta.vc → no addresses');
  });
});
