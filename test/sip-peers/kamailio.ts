/**
 * Kamailio playing Meta's SIP edge (adapted from shared/reference/sip): a TLS listener with a fresh
 * self-signed certificate for wa.meta.vc (+ IP 127.0.0.1), a 407 digest challenge (realm wa.meta.vc),
 * Meta's rejection texts chosen by the request user (META_REJECTIONS), other INVITEs relayed over UDP to
 * a sipp UAS, initial requests from a sipp UAC on the UDP listener relayed to their request URI (Meta
 * calling a business's TLS server), and HEPv3 copies to a collector when tracing is on.
 * Binds 127.0.0.1 only; runs in the foreground (-DD -E) as our child; stop() ends its process group.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freeTcpPort, freeUdpPort, INSTALL_HINT, requireTool, startProcess, waitForTcp } from './processes';
import type { Peer } from './processes';

/** The business's SIP password Kamailio checks (digest username = business number without '+'). */
export const SIP_PASSWORD = 'acceptance-sip-password';
export const SIP_REALM = 'wa.meta.vc';

export interface MetaRejection {
  code: number;
  reason: string;
  /** Meta repeats the text in `Warning: 399 wa.meta.vc "<text>"`. */
  warning: boolean;
}

/**
 * Request users (the WhatsApp user called, E.164 without '+') that Kamailio rejects, after the digest
 * round, with Meta's status line (whatsapp-calling-api.md §5.7). Matched on the last 10 digits, so
 * `sip:+15550000486@wa.meta.vc` and `sip:+445550000486@...` both get 486.
 */
export const META_REJECTIONS: Record<string, MetaRejection> = {
  '15550000400': { code: 400, reason: 'Asset not found, invalid business phone number', warning: false },
  '15550000403': { code: 403, reason: 'No Approved Call Permission Found: No approved call permission from the recipient', warning: true },
  '15550001403': {
    code: 403,
    reason: 'SIP server sip.example.com from INVITE does not match any SIP server configured for phone number id 106540352242922',
    warning: true,
  },
  '15550002403': { code: 403, reason: 'Business Initiated Connected Call Per Day Limit Hit', warning: true },
  '15550000408': { code: 408, reason: 'RTP Timeout', warning: false },
  '15550000480': { code: 480, reason: 'Temporarily Unavailable', warning: false },
  '15550000486': { code: 486, reason: 'User declined the call', warning: false },
  '15550000503': { code: 503, reason: 'Service Unavailable', warning: false },
};

export interface Kamailio {
  /** Process id of kamailio's main process (also its process group id). */
  pid: number;
  /** TLS listener (business → "wa.meta.vc"), on 127.0.0.1. */
  tlsPort: number;
  /** UDP listener on 127.0.0.1: where a sipp UAC playing Meta sends its INVITEs. */
  udpPort: number;
  /** PEM of the self-signed certificate Kamailio serves (CN/SAN wa.meta.vc, SAN IP 127.0.0.1). */
  ca: string;
  logs(): string;
  stop(): Promise<void>;
}

export interface KamailioOptions {
  /** UDP port of the sipp UAS that plays Meta's far side for relayed INVITEs. */
  sippPort: number;
  /** UDP port on 127.0.0.1 receiving HEPv3 copies. */
  hepPort?: number;
  /** Send HEPv3 copies (default: on when hepPort is given). Needs hepPort. */
  trace?: boolean;
}

const esc = (s: string) => s.replaceAll('\\', '\\\\').replaceAll('"', '\\"');

function rejectionRules(): string {
  return Object.entries(META_REJECTIONS)
    .map(([user, r]) => {
      const warning = r.warning ? `append_to_reply("Warning: 399 wa.meta.vc \\"${esc(r.reason)}\\"\\r\\n"); ` : '';
      return `\t\tif ($rU =~ "${user.slice(-10)}$") { ${warning}sl_send_reply("${r.code}", "${esc(r.reason)}"); exit; }`;
    })
    .join('\n');
}

/** Debian puts modules in /usr/lib/<triplet>/kamailio/modules; find the one holding tls.so. */
function modulesDir(): string | undefined {
  const roots = ['/usr/lib', '/usr/lib64', '/usr/local/lib', '/usr/local/lib64'];
  const candidates: string[] = [];
  for (const root of roots) {
    candidates.push(path.join(root, 'kamailio', 'modules'));
    try {
      for (const e of fs.readdirSync(root)) candidates.push(path.join(root, e, 'kamailio', 'modules'));
    } catch {
      /* no such root */
    }
  }
  return candidates.find((d) => fs.existsSync(path.join(d, 'tls.so')));
}

/** A self-signed certificate for wa.meta.vc (and 127.0.0.1) in dir/cert.pem + dir/key.pem. */
export function makeCertificate(dir: string, names: { dns: string[]; ip?: string[] } = { dns: ['wa.meta.vc'], ip: ['127.0.0.1'] }): string {
  requireTool('openssl', 'version');
  const san = [...names.dns.map((d) => `DNS:${d}`), ...(names.ip ?? []).map((i) => `IP:${i}`)].join(',');
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${names.dns[0]}`,
      '-addext',
      `subjectAltName=${san}`,
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ],
    { encoding: 'utf8', timeout: 20_000 },
  );
  if (r.status !== 0) throw new Error(`openssl failed to make a certificate: ${r.error?.message ?? ''}${r.stderr}`);
  return fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
}

export async function startKamailio(opts: KamailioOptions): Promise<Kamailio> {
  requireTool('kamailio', '-v');
  const trace = opts.trace ?? opts.hepPort !== undefined;
  if (trace && opts.hepPort === undefined) throw new Error('startKamailio: trace needs a hepPort');
  const mpath = modulesDir();
  if (!mpath) throw new Error(`kamailio's tls.so module is missing: ${INSTALL_HINT}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kamailio-'));
  try {
    const ca = makeCertificate(dir);
    let lastError: unknown;
    // Free ports are picked, then bound by kamailio: another process may take one in between. Retry.
    for (let attempt = 0; attempt < 3; attempt++) {
      const tlsPort = await freeTcpPort();
      const udpPort = await freeUdpPort();
      const fill = (tpl: string) =>
        fs
          .readFileSync(path.join(__dirname, tpl), 'utf8')
          .replaceAll('@MPATH@', `mpath="${mpath}/"`)
          .replaceAll('@REJECTIONS@', rejectionRules())
          .replaceAll('@SIP_PASSWORD@', esc(SIP_PASSWORD))
          .replaceAll('@DIR@', dir)
          .replaceAll('@TLS_PORT@', String(tlsPort))
          .replaceAll('@UDP_PORT@', String(udpPort))
          .replaceAll('@SIPP_PORT@', String(opts.sippPort))
          .replaceAll('@HEP_PORT@', String(opts.hepPort ?? 9))
          .replaceAll('@TRACE_ON@', trace ? '1' : '0');
      fs.writeFileSync(path.join(dir, 'kamailio.cfg'), fill('kamailio.cfg.tpl'));
      fs.writeFileSync(path.join(dir, 'tls.cfg'), fill('tls.cfg.tpl'));
      const peer: Peer = startProcess('kamailio', ['-DD', '-E', '-f', path.join(dir, 'kamailio.cfg'), '-P', path.join(dir, 'kamailio.pid'), '-Y', dir], {
        cwd: dir,
      });
      try {
        await waitForTcp(tlsPort, peer, 10_000);
      } catch (e) {
        await peer.stop();
        lastError = e;
        continue;
      }
      return {
        pid: peer.child.pid!,
        tlsPort,
        udpPort,
        ca,
        logs: peer.output,
        stop: async () => {
          await peer.stop();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    throw lastError;
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
