/**
 * Writing a response the way graph.facebook.com does: its headers (reference §3.2), content
 * negotiation (gzip preferred, then br, then deflate, honouring `q=0`), and optionally a delay and a
 * body written in several chunks (chunked transfer encoding).
 */
import type { ServerResponse } from 'node:http';
import * as zlib from 'node:zlib';
import { newDebugToken, newRequestId, newRev } from './ids';

export type Encoding = 'gzip' | 'br' | 'deflate';
const PREFERENCE: Encoding[] = ['gzip', 'br', 'deflate'];

/** The encoding to answer with for an `Accept-Encoding` header, or undefined for identity. */
export function chooseEncoding(acceptEncoding: string): Encoding | undefined {
  const q = new Map<string, number>();
  for (const part of acceptEncoding.toLowerCase().split(',')) {
    const [name, ...params] = part.split(';').map((s) => s.trim());
    if (!name) continue;
    const weight = params.find((p) => p.startsWith('q='));
    q.set(name, weight ? Number(weight.slice(2)) : 1);
  }
  return PREFERENCE.find((e) => (q.get(e) ?? q.get('*') ?? 0) > 0);
}

function compress(raw: Buffer, encoding: Encoding | undefined): Buffer {
  if (encoding === 'gzip') return zlib.gzipSync(raw);
  if (encoding === 'br') return zlib.brotliCompressSync(raw);
  if (encoding === 'deflate') return zlib.deflateSync(raw);
  return raw;
}

/** Graph's response headers; `x-fb-trace-id` is the one the error body names as `fbtrace_id`. */
export function graphHeaders(fbtraceId: string, apiVersion: string): Record<string, string> {
  return {
    'content-type': 'application/json; charset=UTF-8',
    vary: 'Accept-Encoding',
    'x-fb-trace-id': fbtraceId,
    'x-fb-request-id': newRequestId(),
    'x-fb-rev': newRev(),
    'facebook-api-version': apiVersion,
    'strict-transport-security': 'max-age=15552000; preload',
    'cache-control': 'private, no-cache, no-store, must-revalidate',
    pragma: 'no-cache',
    expires: 'Sat, 01 Jan 2000 00:00:00 GMT',
    'access-control-allow-origin': '*',
    'x-fb-debug': newDebugToken(),
  };
}

export interface Prepared {
  /** Headers as sent (with `content-encoding` when compressed). */
  headers: Record<string, string>;
  payload: Buffer;
}

/** Encodes the JSON `text` for the client's `Accept-Encoding` (unless compression is off). */
export function prepare(headers: Record<string, string>, text: string, acceptEncoding: string, compression: 'auto' | 'off'): Prepared {
  const encoding = compression === 'off' ? undefined : chooseEncoding(acceptEncoding);
  return { headers: { ...headers, ...(encoding ? { 'content-encoding': encoding } : {}) }, payload: compress(Buffer.from(text, 'utf8'), encoding) };
}

/** Writes the response, after `delayMs`, in one piece or (slowBody) in several delayed chunks. */
export async function writeResponse(res: ServerResponse, status: number, p: Prepared, delayMs: number, slowBody: boolean): Promise<void> {
  if (delayMs > 0) await sleep(delayMs);
  if (res.destroyed) return;
  if (!slowBody) {
    res.writeHead(status, { ...p.headers, 'content-length': String(p.payload.length) }).end(p.payload);
    return;
  }
  res.writeHead(status, p.headers); // no content-length: chunked transfer encoding
  const step = Math.max(1, Math.ceil(p.payload.length / 4));
  for (let i = 0; i < p.payload.length && !res.destroyed; i += step) {
    res.write(p.payload.subarray(i, i + step));
    await sleep(5);
  }
  res.end();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
