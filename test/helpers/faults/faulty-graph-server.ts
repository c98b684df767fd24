/**
 * A Graph API stand-in that misbehaves on purpose, one fault per request (`?fault=<name>` on the
 * calls path). It reads the whole request like a real server, then writes its response as raw bytes
 * on the socket, so each fault is exactly the bytes (or silence, or reset) it names. Every response
 * closes the connection: no client reuses a socket a fault has left in an odd state.
 */
import * as http from 'node:http';
import type * as net from 'node:net';

export const GRAPH_FAULTS = [
  'truncated',
  'non-json',
  'broken-json',
  'gzip-corrupt',
  'ten-megabytes',
  'byte-by-byte',
  'reset-after-headers',
  'never-answered',
] as const;
export type GraphFault = (typeof GRAPH_FAULTS)[number];

export const PHONE = '106540352242922';
/** Bytes of the byte-by-byte body (bounded: one byte per event-loop turn). */
export const BYTE_BY_BYTE_SIZE = 1024;
export const TEN_MB = 10 * 1024 * 1024;

export interface FaultyGraphServer {
  url: string;
  /** URL of the calls edge that answers with `fault`. */
  callsUrl(fault: GraphFault): string;
  /** Requests received, by fault (proves the request reached the server in both runs). */
  received: Map<GraphFault, number>;
  close(): Promise<void>;
}

const callJson = (id: string, extra = '') => `{"messaging_product":"whatsapp","calls":[{"id":"${id}"}]${extra}}`;

/** Deterministic bodies, so both runs of a differential test get the same bytes. */
const BODIES = {
  truncatedPrefix: Buffer.from(callJson('wacid.TRUNCATED').slice(0, 30)),
  nonJson: Buffer.from('<html><body>502 Bad Gateway</body></html>'),
  brokenJson: Buffer.from(callJson('wacid.BROKEN').slice(0, -3)),
  // gzip magic and header, then bytes that are no deflate stream.
  gzipCorrupt: Buffer.concat([
    Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03]),
    Buffer.from('not a deflate stream \x00\xff\xfe'.repeat(8), 'latin1'),
  ]),
  tenMegabytes: Buffer.from(callJson('wacid.HUGE', `,"pad":"${'a'.repeat(TEN_MB - 80)}"`)),
  byteByByte: Buffer.from(callJson('wacid.SLOW', `,"pad":"${'b'.repeat(BYTE_BY_BYTE_SIZE - 70)}"`)),
};

function head(status: number, headers: Record<string, string | number>): Buffer {
  const lines = [`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), 'connection: close', '', ''];
  return Buffer.from(lines.join('\r\n'), 'latin1');
}

const json = (body: Buffer, extra: Record<string, string | number> = {}) =>
  head(200, { 'content-type': 'application/json; charset=UTF-8', 'content-length': body.length, 'x-fb-request-id': 'AFault', ...extra });

export async function startFaultyGraphServer(): Promise<FaultyGraphServer> {
  const received = new Map<GraphFault, number>();
  const held = new Set<net.Socket>();
  const serve = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    for await (const _ of req); // the whole request, like a real server
    const fault = new URL(req.url ?? '/', 'http://x').searchParams.get('fault') as GraphFault | null;
    if (!fault || !GRAPH_FAULTS.includes(fault)) {
      res.writeHead(404).end();
      return;
    }
    received.set(fault, (received.get(fault) ?? 0) + 1);
    const socket = req.socket;
    held.add(socket);
    socket.once('close', () => held.delete(socket));
    socket.on('error', () => {}); // a client that gave up may reset us
    await misbehave(fault, socket);
  };
  // A failure in serve stays an unhandled rejection, which the fault tests' process watch reports.
  const server = http.createServer((req, res) => {
    void serve(req, res);
  });
  server.keepAliveTimeout = 0;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    url,
    callsUrl: (fault) => `${url}/v23.0/${PHONE}/calls?fault=${fault}`,
    received,
    close: async () => {
      for (const s of held) s.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

async function misbehave(fault: GraphFault, socket: net.Socket): Promise<void> {
  switch (fault) {
    case 'truncated': // promises 4096 bytes, sends 30, closes cleanly
      socket.end(Buffer.concat([json(BODIES.truncatedPrefix, { 'content-length': 4096 }), BODIES.truncatedPrefix]));
      return;
    case 'non-json':
      socket.end(Buffer.concat([head(200, { 'content-type': 'text/html', 'content-length': BODIES.nonJson.length }), BODIES.nonJson]));
      return;
    case 'broken-json':
      socket.end(Buffer.concat([json(BODIES.brokenJson), BODIES.brokenJson]));
      return;
    case 'gzip-corrupt':
      socket.end(Buffer.concat([json(BODIES.gzipCorrupt, { 'content-encoding': 'gzip' }), BODIES.gzipCorrupt]));
      return;
    case 'ten-megabytes':
      socket.write(json(BODIES.tenMegabytes));
      socket.end(BODIES.tenMegabytes);
      return;
    case 'byte-by-byte': {
      socket.write(json(BODIES.byteByByte));
      for (let i = 0; i < BODIES.byteByByte.length && !socket.destroyed; i++) {
        socket.write(BODIES.byteByByte.subarray(i, i + 1));
        await new Promise((r) => setImmediate(r));
      }
      socket.end();
      return;
    }
    case 'reset-after-headers':
      // The head first; the RST once the client has surely read it (an RST can discard unread data).
      socket.write(json(Buffer.alloc(0), { 'content-length': 512 }));
      await new Promise((r) => setTimeout(r, 50));
      socket.resetAndDestroy();
      return;
    case 'never-answered':
      return; // held until the client gives up or the server closes
  }
}
