/**
 * Meta's SIP edge over TLS, misbehaving on purpose, and the business app's side of one dialog.
 *
 * The peer is a `net.Server` whose sockets it wraps in TLS itself (the socket tap only considers
 * `tls.createServer`/`net.createServer` servers, so its side is never tapped, and the raw TCP socket
 * stays at hand to end or reset under the TLS layer):
 * - `drop-mid-dialog`: 100 and a 407 challenge, then to the retried INVITE a 180 and half a 200 OK,
 *   then the TCP connection ends with no TLS close_notify;
 * - `reset-mid-dialog`: the same, ending with a TCP reset;
 * - `garbage`: to the INVITE, binary garbage, an endless header line, a response claiming a 100 MB
 *   body, then a clean close.
 * The app sends the INVITE (with SDP and, on retry, digest credentials) and records everything its
 * socket gives it: the bytes (digest) and the events, in order.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { makeCertificate } from '../../sip-peers/kamailio';
import { invite, response } from '../../sip/messages';

export const SIP_FAULTS = ['drop-mid-dialog', 'reset-mid-dialog', 'garbage'] as const;
export type SipFault = (typeof SIP_FAULTS)[number];

export interface FaultySipPeer {
  port: number;
  ca: string;
  close(): Promise<void>;
}

export async function startFaultySipPeer(fault: SipFault): Promise<FaultySipPeer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faulty-sip-'));
  const ca = makeCertificate(dir);
  const key = fs.readFileSync(path.join(dir, 'key.pem'));
  fs.rmSync(dir, { recursive: true, force: true });
  const secureContext = tls.createSecureContext({ key, cert: ca });
  const sockets = new Set<net.Socket>();
  const server = new net.Server((raw) => {
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    raw.on('error', () => {});
    const socket = new tls.TLSSocket(raw, { isServer: true, secureContext });
    socket.on('error', () => {});
    let text = '';
    let invites = 0;
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const seen = text.split('INVITE sip:').length - 1;
      while (invites < seen) misbehave(fault, socket, raw, ++invites);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    ca,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

const CALL_ID = 'fault-dialog-1';

function misbehave(fault: SipFault, socket: tls.TLSSocket, raw: net.Socket, invite: number): void {
  if (fault === 'garbage') {
    socket.write(Buffer.from(createHash('sha512').update('garbage').digest()));
    socket.write(`SIP/2.0 200 ${'A'.repeat(200_000)}`); // one header line with no end
    socket.write('\r\n\r\nSIP/2.0 200 OK\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 100000000\r\n\r\nshort');
    socket.end();
    return;
  }
  if (invite === 1) {
    socket.write(response(100, 'Trying', { callId: CALL_ID }) + response(407, 'Proxy Authentication Required', { callId: CALL_ID, toTag: 'm1' }));
    return;
  }
  const ok = response(200, 'OK', { callId: CALL_ID, branch: 'z9hG4bK-2', cseq: 2, toTag: 'm2', body: 'v=0\r\n' });
  socket.write(response(180, 'Ringing', { callId: CALL_ID, branch: 'z9hG4bK-2', cseq: 2, toTag: 'm2' }) + ok.slice(0, ok.length / 2), () => {
    // Under the TLS layer, once the client surely has the bytes: a TCP FIN with no close_notify, or a reset.
    setTimeout(() => (fault === 'drop-mid-dialog' ? raw.end() : raw.resetAndDestroy()), 50);
  });
}

export interface SipAppView {
  bytes: number;
  sha256: string;
  events: string[];
}

/** The business's side: INVITE, the retried INVITE after a 407, and whatever comes back until close. */
export function businessDialog(port: number, ca: string, boundMs = 5000): Promise<SipAppView> {
  return new Promise((resolve) => {
    const events: string[] = [];
    const chunks: Buffer[] = [];
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'wa.meta.vc', ca });
    const timer = setTimeout(() => {
      events.push('app gave up');
      socket.destroy();
    }, boundMs);
    let retried = false;
    socket.on('secureConnect', () => {
      events.push('secureConnect');
      socket.write(invite({ callId: CALL_ID }));
    });
    socket.on('data', (c: Buffer) => {
      if (events.at(-1) !== 'data') events.push('data');
      chunks.push(c);
      if (!retried && Buffer.concat(chunks).includes('407 Proxy')) {
        retried = true;
        socket.write(invite({ callId: CALL_ID, auth: true, branch: 'z9hG4bK-2', cseq: 2 }));
      }
    });
    socket.on('end', () => events.push('end'));
    socket.on('error', (err: NodeJS.ErrnoException) => events.push(`error ${err.code ?? err.message}`));
    socket.on('close', (hadError) => {
      clearTimeout(timer);
      events.push(`close${hadError ? ' with error' : ''}`);
      const all = Buffer.concat(chunks);
      resolve({ bytes: all.length, sha256: createHash('sha256').update(all).digest('hex').slice(0, 16), events });
    });
  });
}
