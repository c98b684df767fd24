/**
 * The HEP listener's caps, over real loopback sockets: it binds 127.0.0.1 unless told otherwise,
 * checks the auth key, and drops and counts what is over a cap — oversized packets, a flood from one
 * source, a TCP peer holding a huge partial frame, too many held bytes or connections — without
 * growing. Every send loop is bounded in count; the rate limiter runs on a frozen clock.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeHep3 } from '../src/sip/hep';
import type { SipObservation } from '../src/sip/tracking/sip-observation';
import { HepReceiver } from '../src/sources/sip/hep-receiver';
import type { HepConfig } from '../src/sources/sip/hep-receiver';
import { SourceRateLimiter } from '../src/sources/sip/listener-caps';
import { MetaPeers } from '../src/sources/sip/meta-peers';
import { createHarness, sumOf } from './helpers/otel-harness';
import { invite, response } from './sip/messages';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(probe: () => boolean, what: string, tries = 300): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (probe()) return;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const META = '157.240.1.2';
const toMeta = (sip = invite(), over: Record<string, unknown> = {}) =>
  encodeHep3({
    ipProtocol: 22,
    srcIp: '10.1.2.3',
    srcPort: 40000,
    dstIp: META,
    dstPort: 5061,
    timestampMs: 1_760_000_000_000,
    payload: Buffer.from(sip),
    ...over,
  });

const receivers: HepReceiver[] = [];
const sockets: { destroy(): void }[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const r of receivers.splice(0)) await r.stop();
});

async function receiver(config: Partial<HepConfig> = {}, now?: () => number) {
  const seen: SipObservation[] = [];
  const errors: unknown[] = [];
  const meta = new MetaPeers({ config: () => ({ sipPeers: [], hep: { metaAddresses: [`${META}:5061`] } }), warn: () => undefined, debug: () => undefined });
  const r = new HepReceiver({
    config: () => ({ port: 0, ...config }),
    meta,
    observe: (o) => seen.push(o),
    onError: (_w, e) => errors.push(e),
    onStartError: (e) => errors.push(e),
    now,
  });
  receivers.push(r);
  await r.start();
  return { r, seen, errors };
}

async function udpSender(localAddress = '127.0.0.1') {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((res) => sock.bind(0, localAddress, () => res()));
  sockets.push({ destroy: () => sock.close() });
  return (port: number, packet: Buffer) => new Promise((res) => sock.send(packet, port, '127.0.0.1', res));
}

async function tcpClient(port: number) {
  const c = net.connect(port, '127.0.0.1');
  sockets.push(c);
  c.on('error', () => undefined);
  await new Promise((res) => c.once('connect', res));
  const closed = new Promise<void>((res) => c.once('close', () => res()));
  return { c, closed };
}

describe('HEP listener defaults', () => {
  it('binds 127.0.0.1 (UDP and TCP) unless a host is given', async () => {
    const { r } = await receiver();
    expect(r.addresses().host).toBe('127.0.0.1');
    const tcp = await tcpClient(r.addresses().tcp!);
    expect(tcp.c.remoteAddress).toBe('127.0.0.1');
    expect(r.addresses().udp).toBe(r.addresses().tcp);
  });

  it('is enabled and disabled like the other sources: disable closes the port, enable listens again', async () => {
    const { r, seen } = await receiver();
    const port = r.addresses().udp!;
    r.disable();
    await r.stop();
    expect(r.addresses()).toEqual({});
    const refused = net.connect(port, '127.0.0.1');
    await expect(new Promise((res, rej) => refused.once('connect', res).once('error', rej))).rejects.toThrow(/ECONNREFUSED/);
    r.enable();
    await r.ready();
    const send = await udpSender();
    await send(r.addresses().udp!, toMeta());
    await until(() => seen.length === 1, 'the packet after re-enabling');
  });
});

describe('HEP auth key', () => {
  it('drops and counts packets with a wrong or missing auth key, and passes the right one', async () => {
    const { r, seen } = await receiver({ authKey: 's3cret' });
    const send = await udpSender();
    const port = r.addresses().udp!;
    await send(port, toMeta(invite({ callId: 'wrong' }), { authKey: 's3cres' }));
    await send(port, toMeta(invite({ callId: 'missing' })));
    await send(port, toMeta(invite({ callId: 'right' }), { authKey: 's3cret' }));
    await until(() => r.stats.received === 3, 'three packets');
    expect(r.stats.dropped.auth_failed).toBe(2);
    expect(seen.map((o) => o.message.kind === 'request' && o.message.requestUri)).toHaveLength(1);
    expect(r.stats.accepted).toBe(1);
  });
});

describe('HEP caps over UDP', () => {
  it('drops and counts a packet larger than maxMessageBytes, and still takes the next one', async () => {
    const { r, seen } = await receiver({ maxMessageBytes: 2048 });
    const send = await udpSender();
    const big = toMeta(invite({ body: 'a=x\r\n'.repeat(1000) }));
    expect(big.length).toBeGreaterThan(2048);
    await send(r.addresses().udp!, big);
    await send(r.addresses().udp!, toMeta());
    await until(() => r.stats.received === 2, 'both packets');
    expect(r.stats.dropped.too_large).toBe(1);
    expect(seen).toHaveLength(1);
  });

  it('drops and counts a flood from one source over its rate, while another source still gets through', async () => {
    const frozen = () => 1_000; // no refill during the test: exactly the burst passes
    const { r, seen } = await receiver({ maxPacketsPerSecond: 50 }, frozen);
    const port = r.addresses().udp!;
    const flood = await udpSender('127.0.0.1');
    const SENT = 200;
    for (let i = 0; i < SENT; i++) {
      await flood(port, toMeta(response(100, 'Trying', { callId: `flood-${i}` }), { srcIp: META, srcPort: 5061, dstIp: '10.1.2.3', dstPort: 40000 }));
      if (i % 20 === 19) await sleep(1); // let the receiver drain the socket buffer
    }
    await until(() => r.stats.received === SENT, `${SENT} packets`);
    expect(seen).toHaveLength(50);
    expect(r.stats.dropped.rate_limited).toBe(SENT - 50);
    const other = await udpSender('127.0.0.2');
    await other(port, toMeta());
    await until(() => seen.length === 51, 'the other source');
  });

  it('keeps a bounded map of sources', () => {
    const limiter = new SourceRateLimiter(1, { maxSources: 8, now: () => 0 });
    for (let i = 0; i < 1000; i++) limiter.take(`10.0.${i >> 8}.${i & 255}`);
    expect(limiter.size).toBe(8);
    expect(limiter.take('10.0.3.231')).toBe(false); // recently seen: its bucket is still empty
  });
});

describe('HEP caps over TCP', () => {
  it('drops and counts a partial frame declaring a huge length, holds nothing for it, and keeps the connection usable', async () => {
    const { r, seen } = await receiver({ maxMessageBytes: 4096 });
    const { c } = await tcpClient(r.addresses().tcp!);
    const head = Buffer.from('HEP3\0\0');
    head.writeUInt16BE(60_000, 4); // declares 60000 bytes
    const chunk = Buffer.from([0, 0, 0, 15, 0xea, 0x54]); // payload chunk claiming 59988 bytes
    c.write(Buffer.concat([head, chunk]));
    let peak = 0;
    for (let i = 0; i < 20; i++) {
      c.write(Buffer.alloc(2000, 0x61)); // 40 KB of the promised body, never completed
      await sleep(2);
      peak = Math.max(peak, r.stats.bufferedBytes);
    }
    await until(() => r.stats.dropped.too_large === 1, 'the oversized frame to be counted');
    c.write(toMeta());
    await until(() => seen.length === 1, 'a normal packet after it');
    expect(peak).toBeLessThanOrEqual(4096);
    expect(r.stats.peakBufferedBytes).toBeLessThanOrEqual(4096);
    expect(r.stats.droppedBytes).toBeGreaterThanOrEqual(40_000);
  });

  it('closes and counts the connection that takes the held bytes over maxBufferedBytes; the total never exceeds it', async () => {
    const { r } = await receiver({ maxMessageBytes: 4096, maxBufferedBytes: 8192 });
    const whole = toMeta(invite({ body: 'a=x\r\n'.repeat(700) }));
    expect(whole.length).toBeGreaterThan(3000);
    expect(whole.length).toBeLessThanOrEqual(4096);
    const partial = whole.subarray(0, 3000); // an honest length within the cap, never finished
    const clients = [];
    for (let i = 0; i < 4; i++) {
      const client = await tcpClient(r.addresses().tcp!);
      client.c.write(partial);
      clients.push(client);
      await until(() => r.stats.bufferedBytes >= Math.min(3000 * (i + 1), 6000) || r.stats.dropped.buffer_full > 0, `client ${i} held`);
      expect(r.stats.bufferedBytes).toBeLessThanOrEqual(8192);
    }
    await until(() => r.stats.dropped.buffer_full === 2, 'two connections closed');
    await Promise.all([clients[2].closed, clients[3].closed]);
    expect(r.stats.bufferedBytes).toBe(6000);
    expect(r.stats.peakBufferedBytes).toBeLessThanOrEqual(8192);
    clients[0].c.destroy();
    await until(() => r.stats.bufferedBytes === 3000, 'a closed connection to give its bytes back');
  });

  it('refuses and counts connections over maxConnections', async () => {
    const { r } = await receiver({ maxConnections: 2 });
    await tcpClient(r.addresses().tcp!);
    await tcpClient(r.addresses().tcp!);
    await until(() => r.stats.connections === 2, 'two connections');
    const third = await tcpClient(r.addresses().tcp!);
    await third.closed;
    await until(() => r.stats.dropped.too_many_connections === 1, 'the refusal to be counted');
    expect(r.stats.connections).toBe(2);
  });
});

describe('whatsapp.calling.hep.dropped', () => {
  it('reports the drops by reason through the instrumentation meter', async () => {
    const harness = createHarness({ sipPeers: [], hep: { port: 0, authKey: 'k', maxMessageBytes: 1024, metaAddresses: [`${META}:5061`] } });
    try {
      await harness.instrumentation.sipSources.hepReady();
      const port = harness.instrumentation.sipSources.hepReceiver.addresses().udp!;
      const send = await udpSender();
      await send(port, toMeta(invite(), { authKey: 'nope' }));
      await send(port, toMeta(invite({ body: 'a=x\r\n'.repeat(400) }), { authKey: 'k' }));
      await send(port, Buffer.from('HEP3 not really'));
      const stats = harness.instrumentation.sipSources.hepReceiver.stats;
      await until(() => stats.received === 3, 'three packets');
      const metric = await harness.metric('whatsapp.calling.hep.dropped');
      expect(sumOf(metric, { 'whatsapp.hep.drop_reason': 'auth_failed' })).toBe(1);
      expect(sumOf(metric, { 'whatsapp.hep.drop_reason': 'too_large' })).toBe(1);
      expect(sumOf(metric, { 'whatsapp.hep.drop_reason': 'malformed' })).toBe(1);
      expect(sumOf(metric, { 'whatsapp.hep.drop_reason': 'rate_limited' })).toBe(0);
    } finally {
      harness.instrumentation.disable();
      await harness.instrumentation.sipSources.hepReceiver.stop();
    }
  });
});
