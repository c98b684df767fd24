/**
 * sipp (Debian's sip-tester 3.6.1: UDP/TCP, no TLS) running one of our scenarios on 127.0.0.1, bounded
 * in calls (-m) and time (-timeout), stopped by the pid we started.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, requireTool, startProcess, waitForBind } from './processes';
import type { Exit } from './processes';

export const SCENARIOS = path.join(__dirname, 'scenarios');

/** Path of a scenario shipped in test/sip-peers/scenarios (name with or without `.xml`). */
export const scenario = (name: string) => path.join(SCENARIOS, name.endsWith('.xml') ? name : `${name}.xml`);

export interface SippOptions {
  /** A path, or a bare file name under test/sip-peers/scenarios. */
  scenario: string;
  mode: 'uas' | 'uac';
  /** u1: one UDP socket; t1: one TCP connection. */
  transport: 'u1' | 't1';
  /** Local port on 127.0.0.1 (default: a free one). */
  port?: number;
  /** UAC only: host:port the calls go to (the sipp "remote host"). */
  remote?: string;
  /** Calls before sipp exits (-m). Default 1 for a UAC, 50 for a UAS. */
  calls?: number;
  /** Global timeout in seconds (-timeout, with -timeout_error). Default 60 (UAC) / 120 (UAS). */
  timeoutSec?: number;
  /** e.g. ['-key', 'business', '15551441906', '-au', '15551441906', '-ap', 'pw', '-trace_msg']. */
  extraArgs?: string[];
}

export interface Sipp {
  /** Process id of sipp (also its process group id). */
  pid: number;
  port: number;
  /** Resolves when sipp exits: code 0 = every call passed, 1 = some failed, 99 = none ran. */
  done: Promise<Exit>;
  stop(): Promise<void>;
  /** stdout + stderr so far (tail). */
  output(): string;
  /** sipp's working directory: error log (errors.log) and any -trace_msg / -trace_logs files. */
  dir: string;
}

export async function startSipp(opts: SippOptions): Promise<Sipp> {
  requireTool('sipp', '-v');
  const file = fs.existsSync(opts.scenario) ? path.resolve(opts.scenario) : scenario(opts.scenario);
  if (!fs.existsSync(file)) throw new Error(`no sipp scenario ${opts.scenario}`);
  if (opts.mode === 'uac' && !opts.remote) throw new Error('a sipp UAC needs remote (host:port)');
  const port = opts.port ?? (await freePort());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sipp-'));
  const calls = opts.calls ?? (opts.mode === 'uac' ? 1 : 50);
  const timeout = opts.timeoutSec ?? (opts.mode === 'uac' ? 60 : 120);
  const args = [
    '-sf',
    file,
    '-i',
    '127.0.0.1',
    '-bind_local',
    '-mi',
    '127.0.0.1',
    '-p',
    String(port),
    '-t',
    opts.transport,
    '-m',
    String(calls),
    '-timeout',
    `${timeout}s`,
    '-timeout_error',
    '-nostdin',
    '-ci',
    '127.0.0.1', // control socket on loopback (sipp's default is 0.0.0.0:8888+)
    '-trace_err',
    '-error_file',
    path.join(dir, 'errors.log'),
    ...(opts.extraArgs ?? []),
    ...(opts.mode === 'uac' ? [opts.remote!] : []),
  ];
  const peer = startProcess('sipp', args, { cwd: dir, termGraceMs: 1000 });
  const done = peer.exited.then((exit) => {
    let errors = '';
    try {
      errors = fs.readFileSync(path.join(dir, 'errors.log'), 'utf8');
    } catch {
      /* no errors logged */
    }
    return errors ? { ...exit, stderr: `${exit.stderr}\n--- errors.log ---\n${errors.slice(-16_000)}` } : exit;
  });
  if (opts.mode === 'uas') {
    try {
      await waitForBind(port, opts.transport === 'u1' ? 'udp' : 'tcp', peer, 10_000);
    } catch (e) {
      await peer.stop();
      throw e;
    }
  }
  return {
    pid: peer.child.pid!,
    port,
    done,
    output: peer.output,
    dir,
    stop: async () => {
      await peer.stop();
      await Promise.race([done, new Promise((r) => setTimeout(r, 2000))]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A UDP UAS playing Meta behind Kamailio (kept for earlier tests). */
export function startSippUas(name: string, calls = 50): Promise<Sipp> {
  return startSipp({ scenario: name, mode: 'uas', transport: 'u1', calls });
}

/** Meta's example WhatsApp call id (x-wa-meta-wacid; `outgoing:<wacid>` is the Call-ID of calls Meta starts). */
export const META_WACID = 'wacid.HBgLMTIxODU1NTI4MjgVAgARGCAyODRQIAFRoA';

/**
 * Arguments for `uac-meta-invite.xml`: Meta calling `business` (E.164 digits, no '+') at `businessHost`
 * (host:port of the business's SIP server; the request URI gets `;transport=tls`, as Meta's do).
 * The Call-ID is `outgoing:<wacid>` (sipp needs -cid_str for that; with several calls add `%u`).
 * `password` answers a 401/407 challenge from the business (digest username = business number).
 */
export function metaInviteArgs(o: {
  business: string;
  businessHost: string;
  password?: string;
  wacid?: string;
  user?: string;
  ctaPayload?: string;
  callDurationSec?: number;
}): string[] {
  const wacid = o.wacid ?? META_WACID;
  return [
    '-cid_str',
    `outgoing:${wacid}`,
    '-key',
    'business',
    o.business,
    '-key',
    'business_host',
    o.businessHost,
    '-key',
    'wa_user',
    o.user ?? '14085551234',
    '-key',
    'wacid',
    wacid,
    '-key',
    'cta_payload',
    o.ctaPayload ?? 'order-4711',
    '-key',
    'call_duration',
    String(o.callDurationSec ?? 7),
    '-au',
    o.business,
    '-ap',
    o.password ?? 'acceptance-sip-password',
  ];
}
