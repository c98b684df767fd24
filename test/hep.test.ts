import fc from 'fast-check';
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { decodeHep3, encodeHep3, Hep3StreamFramer } from '../src/sip/hep';
import type { Hep3Packet } from '../src/sip/hep';
import { HepReceiver } from '../src/sources/sip/hep-receiver';
import { MetaPeers } from '../src/sources/sip/meta-peers';
import type { SipObservation } from '../src/sip/tracking/sip-observation';
import { invite, response } from './sip/messages';

const sample = (over: Partial<Hep3Packet> = {}): Hep3Packet => ({
  ipFamily: 2,
  ipProtocol: 17,
  srcIp: '10.1.2.3',
  dstIp: '157.240.1.2',
  srcPort: 40000,
  dstPort: 5061,
  timestampMs: 1_760_681_506_123,
  protocolType: 1,
  captureId: 2001,
  authKey: 'k',
  correlationId: 'c-1',
  payload: Buffer.from(invite()),
  ...over,
});

describe('HEPv3 decoder', () => {
  it('round-trips IPv4 and IPv6 packets', () => {
    expect(decodeHep3(encodeHep3(sample()))).toEqual(sample());
    const v6 = sample({ ipFamily: 10, srcIp: '2a03:2880:f0ff:c::1', dstIp: '::1' });
    expect(decodeHep3(encodeHep3(v6))).toEqual(v6);
  });

  it('skips vendor and unknown chunks by their length', () => {
    const p = encodeHep3(sample());
    const vendor = Buffer.from([0x00, 0x27, 0x00, 0x63, 0x00, 0x09, 0xaa, 0xbb, 0xcc]); // vendor 39, type 99
    const unknown = Buffer.from([0x00, 0x00, 0x00, 0x7f, 0x00, 0x07, 0x01]);
    const body = Buffer.concat([p.subarray(6), vendor, unknown]);
    const head = Buffer.from('HEP3\0\0');
    head.writeUInt16BE(body.length + 6, 4);
    expect(decodeHep3(Buffer.concat([head, body]))?.payload.toString()).toBe(invite());
  });

  it('refuses a packet cut at any byte, and a chunk whose length lies', () => {
    const p = encodeHep3(sample());
    for (let i = 0; i < p.length; i++) {
      const cut = Buffer.from(p.subarray(0, i));
      if (cut.length >= 6) cut.writeUInt16BE(cut.length, 4); // even with a consistent outer length
      const d = decodeHep3(cut);
      expect(d === undefined || d.payload.length < sample().payload.length).toBe(true);
    }
    const lying = Buffer.from(p);
    lying.writeUInt16BE(60_000, 6 + 4); // first chunk claims 60000 bytes
    expect(decodeHep3(lying)).toBeUndefined();
  });

  it('never throws on random bytes or random chunk soup', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.from(a)),
          fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.concat([Buffer.from('HEP3'), Buffer.from(a)])),
        ),
        (b) => {
          decodeHep3(b);
        },
      ),
    );
  });

  it('frames HEP over TCP split or packed, resyncs after garbage, and stays bounded', () => {
    const a = encodeHep3(sample());
    const b = encodeHep3(sample({ payload: Buffer.from(response(200, 'OK')) }));
    const stream = Buffer.concat([Buffer.from('garbage'), a, b]);
    for (let i = 0; i <= stream.length; i += 7) {
      const f = new Hep3StreamFramer();
      expect([...f.push(stream.subarray(0, i)), ...f.push(stream.subarray(i))].map((x) => x.equals(a) || x.equals(b))).toEqual([true, true]);
    }
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 5000 }), { maxLength: 30 }), (chunks) => {
        const f = new Hep3StreamFramer(16 * 1024);
        for (const c of chunks) {
          f.push(Buffer.from(c));
          expect(f.bufferedBytes).toBeLessThanOrEqual(16 * 1024 + 5000);
        }
      }),
    );
  });
});

describe('HEP receiver', () => {
  it('receives over TCP, keeps only the Meta leg, and drops packets with a wrong auth key', async () => {
    const seen: SipObservation[] = [];
    const meta = new MetaPeers({
      config: () => ({ sipPeers: [], hep: { metaAddresses: ['157.240.1.2:5061'] } }),
      warn: () => undefined,
      debug: () => undefined,
    });
    const receiver = new HepReceiver({
      config: () => ({ port: 0, authKey: 'k' }),
      meta,
      observe: (o) => seen.push(o),
      onError: (w, e) => {
        throw e;
      },
      onStartError: (e) => {
        throw e;
      },
    });
    await receiver.start();
    const socket = net.connect(receiver.addresses().tcp!, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(encodeHep3(sample()));
    socket.write(
      encodeHep3(
        sample({
          srcIp: '157.240.1.2',
          srcPort: 5061,
          dstIp: '10.1.2.3',
          dstPort: 40000,
          payload: Buffer.from(response(407, 'Proxy Authentication Required')),
        }),
      ),
    );
    socket.write(encodeHep3(sample({ srcIp: '10.9.9.9', dstIp: '10.8.8.8' }))); // another leg of the proxy
    socket.write(encodeHep3(sample({ authKey: 'wrong' })));
    for (let i = 0; i < 100 && receiver.stats.received < 4; i++) await new Promise((r) => setTimeout(r, 10));
    socket.destroy();
    await receiver.stop();
    expect(seen.map((o) => [o.fromBusiness, o.message.kind, o.source, o.peerAddress, o.at])).toEqual([
      [true, 'request', 'hep', '157.240.1.2', 1_760_681_506_123],
      [false, 'response', 'hep', '157.240.1.2', 1_760_681_506_123],
    ]);
    expect(receiver.stats).toMatchObject({ received: 4, accepted: 2, ignored: { other_leg: 1 }, dropped: { auth_failed: 1 } });
  });
});
