/**
 * Real peers over real sockets: Kamailio plays Meta's TLS edge (407 digest, Meta's rejection texts),
 * sipp plays Meta's media side (answers, then hangs up with x-wa-meta-* headers). The business app
 * speaks SIP over node:tls; the socket tap turns what it sends and receives into spans and a call.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startKamailio, SIP_PASSWORD } from './sip-peers/kamailio';
import type { Kamailio } from './sip-peers/kamailio';
import { startSippUas } from './sip-peers/sipp';
import type { Sipp } from './sip-peers/sipp';
import { businessServer, placeCall } from './sip-peers/business-sip';
import { META_WACID, metaInviteArgs, startSipp } from './sip-peers/sipp';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { WhatsAppCallingInstrumentation } from '../src';
import { createHarness, eventually } from './helpers/otel-harness';

/** Instance 1 taps the app's TLS socket; instance 2 only hears Kamailio's HEPv3 copies. */
const harness = createHarness({ callSettleMs: 0 });
const hepSpans = new InMemorySpanExporter();
const hepOnly = new WhatsAppCallingInstrumentation({ enabled: false, sipPeers: [], callSettleMs: 0, hep: { port: 0, metaAddresses: [] } });
hepOnly.setTracerProvider(new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(hepSpans)] }));
let kamailio: Kamailio;
let sipp: Sipp;

beforeAll(async () => {
  hepOnly.enable();
  await hepOnly.sipSources.hepReady();
  sipp = await startSippUas('uas-answer-then-bye.xml');
  kamailio = await startKamailio({ sippPort: sipp.port, hepPort: hepOnly.sipSources.hepReceiver.addresses().udp });
  harness.instrumentation.setConfig({ sipPeers: [`127.0.0.1:${kamailio.tlsPort}`], callSettleMs: 0 });
  hepOnly.setConfig({ sipPeers: [], callSettleMs: 0, hep: { port: 0, metaAddresses: [`127.0.0.1:${kamailio.tlsPort}`] } });
});
afterAll(async () => {
  hepOnly.disable();
  await kamailio?.stop();
  await sipp?.stop();
});
beforeEach(() => {
  harness.reset();
  hepSpans.reset();
});

/** The order `essence` lists spans in: by name, then SIP Call-ID (a string; absent on some spans). */
const sortKey = (s: { name: string; attributes: Record<string, unknown> }) => {
  const callId = s.attributes['sip.call_id'];
  return s.name + (typeof callId === 'string' ? callId : '');
};

/** What both sources must agree on (timestamps, transports and peer ports aside). */
const essence = (spans: ReadableSpan[]) =>
  spans
    .filter((s) => s.name.startsWith('whatsapp '))
    .map((s) => ({
      name: s.name,
      kind: s.kind,
      status: s.status.code,
      attributes: Object.fromEntries(
        [
          'sip.method',
          'sip.call_id',
          'sip.status_code',
          'sip.reason',
          'whatsapp.call.id',
          'whatsapp.call.direction',
          'whatsapp.call.status',
          'whatsapp.call.duration',
          'whatsapp.error.category',
          'error.type',
          'sip.auth.challenged',
        ].map((k) => [k, s.attributes[k]]),
      ),
    }))
    .sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));

const spans = (name: string) => harness.exporter.getFinishedSpans().filter((s) => s.name === name);

describe('socket tap on node:tls to a SIP peer', () => {
  it("traces a business-initiated call: 407 round, 200 from Meta, and Meta's BYE with the call id and duration", async () => {
    const result = await placeCall({ port: kamailio.tlsPort, ca: kamailio.ca, to: '14085551234', password: SIP_PASSWORD, callId: 'it-call-1' });
    expect(result.statuses).toEqual([407, 200]);
    expect(result.byeFromMeta).toBeDefined();
    const call = await eventually(() => spans('whatsapp call')[0]);
    const [invite] = spans('whatsapp sip.invite');
    expect(invite.kind).toBe(SpanKind.CLIENT);
    expect(invite.attributes).toMatchObject({ 'sip.status_code': 200, 'sip.auth.challenged': true, 'sip.call_id': 'it-call-1', 'network.transport': 'tls' });
    expect(spans('whatsapp sip.bye')[0].attributes).toMatchObject({
      'whatsapp.call.id': 'wacid.HBgLMTIxODU1NTI4MjgVAgARGCAyODRQIAFRoA',
      'whatsapp.call.duration': 7,
    });
    expect(call.attributes).toMatchObject({
      'whatsapp.call.id': 'wacid.HBgLMTIxODU1NTI4MjgVAgARGCAyODRQIAFRoA',
      'whatsapp.call.status': 'completed',
      'whatsapp.signaling': 'sip',
      'whatsapp.call.duration': 7,
    });
    const exported = JSON.stringify(harness.exporter.getFinishedSpans().map((s) => [s.attributes, s.events, s.status]));
    expect(exported).not.toMatch(/Digest|response=|SECRET|14085551234/);
  });

  it.each([
    ['15550000403', 403, 'permission'],
    ['15550002403', 403, 'daily_quota'],
    ['15550000400', 400, 'configuration'],
    ['15550000408', 408, 'media_timeout'],
    ['15550000480', 480, 'recipient_unavailable'],
    ['15550000486', 486, 'declined'],
    ['15550000503', 503, 'server'],
  ])("classifies Meta's answer to %s (%i) as %s", async (to, status, category) => {
    const result = await placeCall({ port: kamailio.tlsPort, ca: kamailio.ca, to, password: SIP_PASSWORD, callId: `it-${to}` });
    expect(result.statuses).toEqual([407, status]);
    const invite = await eventually(() => spans('whatsapp sip.invite')[0]);
    expect(invite.attributes).toMatchObject({ 'sip.status_code': status, 'whatsapp.error.category': category, 'error.type': String(status) });
    expect(invite.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('gives the same spans from the socket tap and from the HEP stream of the proxy', async () => {
    await placeCall({ port: kamailio.tlsPort, ca: kamailio.ca, to: '14085551234', password: SIP_PASSWORD, callId: 'agree-ok' });
    await placeCall({ port: kamailio.tlsPort, ca: kamailio.ca, to: '15550002403', password: SIP_PASSWORD, callId: 'agree-403' });
    await eventually(() => hepSpans.getFinishedSpans().filter((s) => s.name === 'whatsapp call').length === 2);
    const fromSocket = essence(harness.exporter.getFinishedSpans());
    const fromHep = essence(hepSpans.getFinishedSpans());
    expect(fromSocket.map((s) => s.name)).toEqual(['whatsapp call', 'whatsapp call', 'whatsapp sip.bye', 'whatsapp sip.invite', 'whatsapp sip.invite']);
    expect(fromHep).toEqual(fromSocket);
  });

  it('reports a wrong SIP password as an auth failure', async () => {
    const result = await placeCall({ port: kamailio.tlsPort, ca: kamailio.ca, to: '14085551234', password: 'wrong', callId: 'it-badpw' });
    expect(result.statuses).toEqual([407, 407]);
    const invite = await eventually(() => spans('whatsapp sip.invite')[0]);
    expect(invite.attributes['whatsapp.error.category']).toBe('auth');
  });
});

describe("Meta's user-initiated call to the business's own TLS server", () => {
  it('is a SERVER INVITE span and a user-initiated call, the same from the accepted socket and from HEP', async () => {
    // The business listens on 127.0.0.3 so that, on loopback, only the Kamailio→business leg has
    // "Meta" (127.0.0.1) on exactly one side.
    const biz = businessServer('tls', '127.0.0.3');
    const bizPort = await biz.listen();
    harness.instrumentation.setConfig({ sipPeers: [`127.0.0.1:${kamailio.tlsPort}`], callSettleMs: 0 });
    hepOnly.setConfig({ sipPeers: [], callSettleMs: 0, hep: { port: 0, metaAddresses: ['127.0.0.1'] } });
    const uac = await startSipp({
      scenario: 'uac-meta-invite.xml',
      mode: 'uac',
      transport: 'u1',
      remote: `127.0.0.1:${kamailio.udpPort}`,
      calls: 1,
      timeoutSec: 30,
      extraArgs: metaInviteArgs({ business: '15551441906', businessHost: `127.0.0.3:${bizPort}`, password: SIP_PASSWORD }),
    });
    try {
      const done = await uac.done;
      expect(done.code).toBe(0);
      expect(biz.received.map((m) => m.method)).toEqual(['INVITE', 'ACK', 'INVITE', 'ACK', 'BYE']);
      await eventually(() => spans('whatsapp call').length === 1 && hepSpans.getFinishedSpans().some((s) => s.name === 'whatsapp call'));
      const [inv] = spans('whatsapp sip.invite');
      expect(inv.kind).toBe(SpanKind.SERVER);
      expect(inv.attributes).toMatchObject({
        'whatsapp.call.id': META_WACID,
        'whatsapp.call.direction': 'user_initiated',
        'sip.status_code': 200,
        'sip.auth.challenged': true,
      });
      const [call] = spans('whatsapp call');
      expect(call.kind).toBe(SpanKind.SERVER);
      expect(call.attributes).toMatchObject({
        'whatsapp.call.id': META_WACID,
        'whatsapp.call.direction': 'user_initiated',
        'whatsapp.call.status': 'completed',
        'whatsapp.call.duration': 7,
      });
      expect(essence(hepSpans.getFinishedSpans())).toEqual(essence(harness.exporter.getFinishedSpans()));
    } finally {
      await uac.stop();
      await biz.stop();
      hepOnly.setConfig({ sipPeers: [], callSettleMs: 0, hep: { port: 0, metaAddresses: [`127.0.0.1:${kamailio.tlsPort}`] } });
    }
  });
});

describe('the business cancels while Meta rings (sipp uas-ring-then-cancel behind Kamailio)', () => {
  it('is a cancelled call: 487 is not an error, and a CANCEL span', async () => {
    const ringing = await startSippUas('uas-ring-then-cancel.xml');
    const edge = await startKamailio({ sippPort: ringing.port });
    harness.instrumentation.setConfig({ sipPeers: [`127.0.0.1:${edge.tlsPort}`], callSettleMs: 0 });
    try {
      const result = await placeCall({
        port: edge.tlsPort,
        ca: edge.ca,
        to: '14085551234',
        password: SIP_PASSWORD,
        callId: 'it-cancel',
        cancelWhenRinging: true,
      });
      expect(result.statuses).toEqual([407, 487]);
      const call = await eventually(() => spans('whatsapp call')[0]);
      const [inv] = spans('whatsapp sip.invite');
      expect(inv.status.code).toBe(SpanStatusCode.UNSET);
      expect(inv.attributes).toMatchObject({ 'sip.status_code': 487, 'sip.cancelled': true });
      expect(inv.attributes['error.type']).toBeUndefined();
      expect(spans('whatsapp sip.cancel')[0].attributes['sip.status_code']).toBe(200);
      expect(call.attributes['whatsapp.call.status']).toBe('unanswered');
    } finally {
      await edge.stop();
      await ringing.stop();
    }
  });
});
