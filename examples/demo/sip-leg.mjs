/**
 * The SIP leg: the business places two calls over SIP with the `sip` npm package (patched by the
 * instrumentation, like any app would have it), and sipp plays Meta's SIP edge with the project's own
 * test scenarios: one call challenged with a 407 digest, answered and hung up by Meta (with its
 * x-wa-meta-wacid / x-wa-meta-call-duration headers), one declined with 486. UDP on loopback.
 * Needs `sipp` on PATH (Debian: sip-tester); without it the leg is skipped.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const SCENARIOS = fileURLToPath(new URL('../../test/sip-peers/scenarios/', import.meta.url));
const BUSINESS = '15551441906';
const BUSINESS_HOST = 'sip.example.com';
const SIP_PASSWORD = 'meta-sip-password';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const SIP_CALLS = [
  { label: 'SIP call', scenario: 'uas-challenge-answer-then-bye.xml', user: '14085551234' },
  { label: 'SIP declined', scenario: 'uas-reject-486.xml', user: '14085551235' },
];

/** Why the SIP leg cannot run here, or undefined when it can. */
export function sipUnavailable() {
  const r = spawnSync('sipp', ['-v'], { stdio: 'ignore', timeout: 10_000 });
  if (r.error) return 'sipp is not installed (Debian/Ubuntu: apt-get install sip-tester)';
  if (!fs.existsSync(path.join(SCENARIOS, SIP_CALLS[0].scenario))) return `the sipp scenarios are not at ${SCENARIOS}`;
  return undefined;
}

export async function freeUdpPort(address = '127.0.0.1') {
  const s = dgram.createSocket('udp4');
  await new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, address, resolve);
  });
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

async function udpBound(port) {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    s.once('error', () => {
      s.close();
      resolve(true);
    });
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });
}

/** Process groups of sipp peers still running: killed if the demo exits without stopping them. */
const running = new Set();
let exitHook = false;
function track(pgid) {
  running.add(pgid);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const g of running) {
      try {
        process.kill(-g, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  });
}

/**
 * sipp as Meta's edge for one call. Its port is fixed (it is in `sipPeers`); on a busy machine another
 * process can hold it for a moment, and sipp then exits at once: a few bounded retries on the same port.
 */
async function startSippUas(scenarioFile, port) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startSippUasOnce(scenarioFile, port);
    } catch (err) {
      if (attempt >= 3) throw err;
      await sleep(250 * attempt);
    }
  }
}

/** One sipp process, in its own process group; stopped by its pid. */
async function startSippUasOnce(scenarioFile, port) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-sipp-'));
  const args = [
    '-sf',
    scenarioFile,
    '-i',
    '127.0.0.1',
    '-bind_local',
    '-mi',
    '127.0.0.1',
    '-p',
    String(port),
    '-t',
    'u1',
    '-m',
    '1',
    '-timeout',
    '20s',
    '-timeout_error',
    '-nostdin',
    '-ci',
    '127.0.0.1',
    '-trace_err',
    '-error_file',
    path.join(dir, 'errors.log'),
  ];
  const child = spawn('sipp', args, { cwd: dir, detached: true, stdio: 'ignore' });
  if (child.pid !== undefined) track(child.pid);
  const exited = new Promise((resolve) => {
    child.once('error', () => resolve(-1));
    child.once('close', (code) => {
      running.delete(child.pid);
      resolve(code ?? -1);
    });
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await Promise.race([exited, sleep(2000)]);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  for (const until = Date.now() + 10_000; Date.now() < until; await sleep(25)) {
    if (await udpBound(port)) return { exited, stop };
    if (child.exitCode !== null) break;
  }
  await stop();
  throw new Error(`sipp did not bind udp 127.0.0.1:${port}`);
}

/** One business-initiated INVITE through the digest challenge; resolves with the final status. */
function placeSipCall(stack, sip, digest, { sippPort, localPort, user, callId, onBye }) {
  const uri = `sip:+${user}@wa.meta.vc`;
  const rq = {
    method: 'INVITE',
    uri,
    headers: {
      to: { uri },
      from: { uri: `sip:+${BUSINESS}@${BUSINESS_HOST}`, params: { tag: `demo${Date.now()}` } },
      'call-id': callId,
      cseq: { method: 'INVITE', seq: 1 },
      contact: [{ uri: `sip:+${BUSINESS}@127.0.0.1:${localPort}` }],
      route: [{ uri: `sip:127.0.0.1:${sippPort};lr` }],
      'content-type': 'application/sdp',
    },
    content: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/SAVP 111\r\na=rtpmap:111 opus/48000/2\r\n',
  };
  return new Promise((resolve) => {
    let retried = false;
    const onResponse = (rs) => {
      if (rs.status === 407 && !retried) {
        retried = true;
        const again = { ...rq, headers: { ...rq.headers, cseq: { method: 'INVITE', seq: 2 }, via: [] } };
        const creds = { user: BUSINESS, password: SIP_PASSWORD };
        digest.signRequest(creds, again, rs, creds);
        stack.send(again, onResponse);
        return;
      }
      if (rs.status < 200) return;
      if (rs.status < 300) {
        // ACK the 200 along its Record-Route; Meta (sipp) hangs up with a BYE.
        const contact = rs.headers.contact?.[0]?.uri ?? uri;
        const route = (rs.headers['record-route'] ?? []).slice().reverse();
        onBye(callId, () => resolve(rs.status));
        stack.send({
          method: 'ACK',
          uri: contact,
          headers: { to: rs.headers.to, from: rq.headers.from, 'call-id': callId, cseq: { method: 'ACK', seq: rs.headers.cseq.seq }, via: [], route },
        });
      } else resolve(rs.status);
    };
    stack.send(rq, onResponse);
  });
}

/**
 * Runs the SIP calls. `calling` must list the sipp ports in `sipPeers` (see `sipPorts`).
 * `withLabel(label, sipCallId, fn)` runs fn as a labelled scenario. Returns one result per call.
 */
export async function runSipLeg({ calling, ports, withLabel, timeoutMs = 15_000 }) {
  const sip = calling.patchSipModule(require('sip'));
  const digest = require('sip/digest');
  const byeWaiters = new Map();
  const localPort = await freeUdpPort();
  // publicAddress: a name other than 127.0.0.1, else the package takes our route to sipp for its own flow token.
  const stack = sip.create({ address: '127.0.0.1', publicAddress: BUSINESS_HOST, port: localPort, tcp: false }, (rq) => {
    if (rq.method !== 'BYE') return;
    stack.send(sip.makeResponse(rq, 200, 'OK'));
    byeWaiters.get(rq.headers['call-id'])?.();
  });
  const peers = [];
  try {
    const results = [];
    for (const [i, call] of SIP_CALLS.entries()) {
      const sipp = await startSippUas(path.join(SCENARIOS, call.scenario), ports[i]);
      peers.push(sipp);
      const callId = `demo-sip-${i + 1}-${Date.now()}`;
      const status = await withLabel(call.label, callId, () =>
        Promise.race([
          placeSipCall(stack, sip, digest, { sippPort: ports[i], localPort, user: call.user, callId, onBye: (id, done) => byeWaiters.set(id, done) }),
          sleep(timeoutMs).then(() => 'timeout'),
        ]),
      );
      const code = await Promise.race([sipp.exited, sleep(3000).then(() => 'still running')]);
      results.push({ label: call.label, status, sippExit: code });
    }
    return results;
  } finally {
    stack.destroy();
    await Promise.all(peers.map((p) => p.stop()));
  }
}
