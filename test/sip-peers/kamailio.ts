/**
 * Kamailio playing Meta's SIP edge (from shared/reference/sip): TLS listener with a certificate for
 * wa.meta.vc, 407 digest challenge (realm wa.meta.vc), Meta's rejection texts by request user, other
 * INVITEs relayed to a sipp UAS, HEPv3 copies to a collector when tracing is on.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freeTcpPort, freeUdpPort, requireTool, startProcess, waitForTcp } from './processes';
import type { Peer } from './processes';

export const SIP_PASSWORD = 'acceptance-sip-password';
const CERTS = path.join(__dirname, '..', '..', 'sandbox', 'certs');

export interface Kamailio {
  tlsPort: number;
  udpPort: number;
  ca: string;
  logs(): string;
  stop(): Promise<void>;
}

export async function startKamailio(opts: { sippPort: number; hepPort?: number }): Promise<Kamailio> {
  requireTool('kamailio', '-v');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kamailio-'));
  fs.copyFileSync(path.join(CERTS, 'cert.pem'), path.join(dir, 'cert.pem'));
  fs.copyFileSync(path.join(CERTS, 'key.pem'), path.join(dir, 'key.pem'));
  const tlsPort = await freeTcpPort();
  const udpPort = await freeUdpPort();
  const fill = (tpl: string) =>
    fs
      .readFileSync(path.join(__dirname, tpl), 'utf8')
      .replaceAll('@DIR@', dir)
      .replaceAll('@TLS_PORT@', String(tlsPort))
      .replaceAll('@UDP_PORT@', String(udpPort))
      .replaceAll('@SIPP_PORT@', String(opts.sippPort))
      .replaceAll('@HEP_PORT@', String(opts.hepPort ?? 9))
      .replaceAll('@TRACE_ON@', opts.hepPort ? '1' : '0');
  fs.writeFileSync(path.join(dir, 'kamailio.cfg'), fill('kamailio.cfg.tpl'));
  fs.writeFileSync(path.join(dir, 'tls.cfg'), fill('tls.cfg.tpl'));
  const peer: Peer = startProcess('kamailio', ['-DD', '-E', '-f', path.join(dir, 'kamailio.cfg'), '-P', path.join(dir, 'kamailio.pid'), '-Y', dir]);
  await waitForTcp(tlsPort, peer);
  return {
    tlsPort,
    udpPort,
    ca: fs.readFileSync(path.join(CERTS, 'cert.pem'), 'utf8'),
    logs: peer.output,
    stop: async () => {
      await peer.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
