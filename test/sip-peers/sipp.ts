/** sipp (Debian's sip-tester, no TLS) running one of our scenarios on 127.0.0.1, bounded in calls and time. */
import * as path from 'node:path';
import { freeUdpPort, requireTool, startProcess } from './processes';
import type { Peer } from './processes';

export interface Sipp extends Peer {
  port: number;
}

export async function startSippUas(scenario: string, calls = 50): Promise<Sipp> {
  requireTool('sipp', '-v');
  const port = await freeUdpPort();
  const peer = startProcess('sipp', ['-sf', path.join(__dirname, 'scenarios', scenario), '-i', '127.0.0.1', '-p', String(port), '-t', 'u1', '-m', String(calls), '-nostdin', '-timeout', '120s', '-trace_err']);
  await new Promise((r) => setTimeout(r, 300)); // sipp has no readiness signal; it binds at once
  return { ...peer, port };
}
