/**
 * Faults on the SIP side: a TLS peer (Meta's edge) that drops the connection mid-dialog (FIN without
 * close_notify, or a reset) or sends garbage; HEP floods and malformed HEP. The app's TLS socket sees
 * exactly the same bytes and events with the instrumentation disabled and enabled, nothing reaches
 * the process unhandled, the dialog's open INVITE ends as an incomplete span, and the HEP receiver
 * keeps decoding valid packets after a flood of bad ones.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import * as dgram from 'node:dgram';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { encodeHep3 } from '../src/sip/hep';
import { businessDialog, SIP_FAULTS, startFaultySipPeer } from './helpers/faults/faulty-sip-peer';
import { watchProcess } from './helpers/faults/process-watch';
import { createHarness, eventually } from './helpers/otel-harness';
import { invite, response } from './sip/messages';

const META = '157.240.0.1';
const harness = createHarness({ callSettleMs: 0, sipPeers: [], hep: { port: 0, metaAddresses: [`${META}:5061`] } });
const watch = watchProcess();
const spans = (name: string) => harness.exporter.getFinishedSpans().filter((s) => s.name === name);

afterEach(() => {
  harness.instrumentation.enable();
  expect(watch.problems).toEqual([]);
});
afterAll(() => watch.stop());

describe.each(SIP_FAULTS)('a TLS SIP peer that faults: %s', (fault) => {
  it("leaves the app's socket the same bytes and events, and ends the open INVITE as incomplete", async () => {
    const peer = await startFaultySipPeer(fault);
    try {
      harness.instrumentation.setConfig({ callSettleMs: 0, sipPeers: [`127.0.0.1:${peer.port}`], hep: { port: 0, metaAddresses: [`${META}:5061`] } });
      harness.instrumentation.disable();
      harness.reset();
      const without = await businessDialog(peer.port, peer.ca);
      harness.instrumentation.enable();
      const withIt = await businessDialog(peer.port, peer.ca);
      expect(withIt).toEqual(without);
      expect(withIt.events).not.toContain('app gave up');
      expect(withIt.bytes).toBeGreaterThan(0);

      // The INVITE never got a final response: it stays open until the transaction timeout (or
      // shutdown), then ends as an incomplete, timed-out operation.
      const tracker = harness.instrumentation.sipSources.tracker;
      expect(tracker.openCount).toBe(1);
      tracker.flush();
      const [inv] = spans('whatsapp sip.invite');
      expect(inv.attributes).toMatchObject({ 'sip.call_id': 'fault-dialog-1', 'error.type': 'timeout', 'whatsapp.operation.incomplete': true });
      expect(inv.attributes['sip.status_code']).toBeUndefined();
      expect(inv.status.code).toBe(SpanStatusCode.ERROR);
      if (fault !== 'garbage') expect(inv.attributes['sip.auth.challenged']).toBe(true);
      expect(spans('whatsapp sip.invite')).toHaveLength(1);
    } finally {
      await peer.close();
    }
  });
});

describe('HEP floods and malformed HEP', () => {
  const FLOOD = 3000;

  function badPackets(): Buffer[] {
    const valid = encodeHep3({
      ipFamily: 2,
      ipProtocol: 17,
      srcIp: '10.0.0.1',
      dstIp: META,
      srcPort: 5060,
      dstPort: 5061,
      protocolType: 1,
      payload: Buffer.from(invite({ callId: 'hep-bad' })),
    });
    const lying = Buffer.from(valid);
    lying.writeUInt16BE(60_000, 6 + 4); // first chunk claims 60000 bytes
    const huge = Buffer.concat([Buffer.from('HEP3'), Buffer.alloc(2), Buffer.alloc(60_000, 0xff)]);
    huge.writeUInt16BE(huge.length, 4);
    return [
      Buffer.from('not hep at all'),
      Buffer.from('HEP3'),
      valid.subarray(0, valid.length >> 1), // cut in half
      lying,
      huge,
      Buffer.alloc(1200, 0), // zeros
      encodeHep3({
        ipFamily: 2,
        ipProtocol: 17,
        srcIp: '10.0.0.1',
        dstIp: META,
        srcPort: 5060,
        dstPort: 5061,
        protocolType: 1,
        payload: Buffer.from('INVITE garbage\r\n\r\n'),
      }),
    ];
  }

  it('takes a bounded flood of malformed and huge packets without a throw, then still decodes a valid call', async () => {
    harness.instrumentation.setConfig({ callSettleMs: 0, sipPeers: [], hep: { port: 0, metaAddresses: [`${META}:5061`] } });
    harness.instrumentation.disable();
    harness.instrumentation.enable();
    await harness.instrumentation.sipSources.hepReady();
    const port = harness.instrumentation.sipSources.hepReceiver.addresses().udp!;
    harness.reset();
    const sender = dgram.createSocket('udp4');
    try {
      const bad = badPackets();
      const send = (b: Buffer) => new Promise<void>((r) => sender.send(b, port, '127.0.0.1', () => r()));
      for (let i = 0; i < FLOOD; i++) {
        await send(bad[i % bad.length]);
        if (i % 200 === 0) await new Promise((r) => setImmediate(r));
      }
      expect(spans('whatsapp sip.invite')).toHaveLength(0);
      // A valid INVITE and its 200, retried (new Call-ID each round) until the receiver's per-source
      // rate budget, if the flood spent it, is back.
      const packet = (raw: string, fromBusiness: boolean) =>
        encodeHep3({
          ipFamily: 2,
          ipProtocol: 17,
          srcIp: fromBusiness ? '10.0.0.1' : META,
          dstIp: fromBusiness ? META : '10.0.0.1',
          srcPort: fromBusiness ? 5060 : 5061,
          dstPort: fromBusiness ? 5061 : 5060,
          protocolType: 1,
          timestampMs: Date.now(),
          payload: Buffer.from(raw),
        });
      let round = 0;
      const inv = await eventually(() => {
        if (round < 30) {
          const callId = `hep-after-flood-${round++}`;
          void send(packet(invite({ callId, auth: true }), true)).then(() => send(packet(response(200, 'OK', { callId, toTag: 't' }), false)));
        }
        return spans('whatsapp sip.invite')[0];
      }, 300);
      expect(inv.attributes).toMatchObject({ 'sip.status_code': 200, 'network.transport': 'udp' });
      expect(String(inv.attributes['sip.call_id'])).toMatch(/^hep-after-flood-/);
    } finally {
      sender.close();
    }
  });
});
