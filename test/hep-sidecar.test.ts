/**
 * The HEP sidecar CLI as a real process: an SBC's HEPv3 copies in (UDP), WhatsApp SIP spans out over
 * OTLP to a loopback collector; SIGTERM flushes and exits.
 */
import { spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeHep3 } from '../src/sip/hep';
import { otlpAttr, startOtlpCollector } from './helpers/otlp-collector';
import type { OtlpCollector } from './helpers/otlp-collector';
import { invite, response } from './sip/messages';

const ROOT = path.resolve(__dirname, '..');
let collector: OtlpCollector;
beforeAll(async () => {
  collector = await startOtlpCollector();
});
afterAll(() => collector.close());

/** Starts the sidecar, sends `packets` to its UDP port, waits for an INVITE span, stops it with SIGTERM. */
async function runSidecar(env: Record<string, string>, packets: Buffer[]) {
  const child = spawn(process.execPath, [path.join(ROOT, 'build/src/hep-sidecar.js')], {
    env: {
      PATH: process.env.PATH,
      OTEL_SERVICE_NAME: 'hep-sidecar-test',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_WHATSAPP_HEP_PORT: '0',
      ...env,
    },
  });
  const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
  try {
    let out = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (c) => {
        out += c;
        const m = /udp\/(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', () => reject(new Error(`sidecar exited: ${out}`)));
    });
    const sock = dgram.createSocket('udp4');
    for (const p of packets) await new Promise((r) => sock.send(p, port, '127.0.0.1', r));
    sock.close();
    for (let i = 0; i < 100 && !collector.spans.some((s) => s.name === 'whatsapp sip.invite'); i++) await new Promise((r) => setTimeout(r, 50));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    return { out, code: await exited };
  } finally {
    clearTimeout(kill);
    child.kill('SIGKILL');
  }
}

describe('whatsapp-calling-hep-sidecar', () => {
  beforeEach(() => {
    collector.spans.length = 0;
  });

  it('turns HEP copies of a rejected INVITE into an exported span and exits cleanly on SIGTERM', async () => {
    const leg = { ipProtocol: 22, srcIp: '10.1.2.3', srcPort: 40000, dstIp: '157.240.1.2', dstPort: 5061 };
    const back = { ipProtocol: 22, srcIp: '157.240.1.2', srcPort: 5061, dstIp: '10.1.2.3', dstPort: 40000 };
    const { out, code } = await runSidecar({ OTEL_WHATSAPP_HEP_META_ADDRESSES: '157.240.1.2:5061' }, [
      encodeHep3({ ...leg, timestampMs: 1_760_000_000_000, payload: Buffer.from(invite({ callId: 'side-1', auth: true })) }),
      encodeHep3({ ...back, timestampMs: 1_760_000_000_400, payload: Buffer.from(response(480, 'Temporarily Unavailable', { callId: 'side-1' })) }),
    ]);
    expect(code).toBe(0);
    expect(out).toMatch(/listening on 127\.0\.0\.1 udp\/\d+ tcp\/\d+/); // loopback unless OTEL_WHATSAPP_HEP_HOST says otherwise
    const span = collector.spans.find((s) => s.name === 'whatsapp sip.invite')!;
    expect(otlpAttr(span, 'whatsapp.error.category')).toBe('recipient_unavailable');
    expect(Number(otlpAttr(span, 'sip.status_code'))).toBe(480);
    expect(otlpAttr(span, 'network.transport')).toBe('tls');
  });

  it("learns Meta's side from a sipPeers host name through DNS when no metaAddresses are given", async () => {
    // `localhost` stands in for wa.meta.vc: the sidecar resolves it with node:dns like any peer name.
    const leg = { ipProtocol: 22, srcIp: '10.1.2.3', srcPort: 40000, dstIp: '127.0.0.1', dstPort: 5061 };
    const back = { ipProtocol: 22, srcIp: '127.0.0.1', srcPort: 5061, dstIp: '10.1.2.3', dstPort: 40000 };
    const { code } = await runSidecar({ OTEL_WHATSAPP_SIP_PEERS: 'localhost:5061' }, [
      encodeHep3({ ...leg, timestampMs: 1_760_000_000_000, payload: Buffer.from(invite({ callId: 'side-dns', auth: true })) }),
      encodeHep3({ ...back, timestampMs: 1_760_000_000_400, payload: Buffer.from(response(486, 'Busy Here', { callId: 'side-dns' })) }),
    ]);
    expect(code).toBe(0);
    const span = collector.spans.find((s) => s.name === 'whatsapp sip.invite')!;
    expect(Number(otlpAttr(span, 'sip.status_code'))).toBe(486);
    expect(otlpAttr(span, 'sip.call_id')).toBe('side-dns');
  });
});
