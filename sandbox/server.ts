/**
 * The sandbox HTTP(S) server: realistic Graph response headers, content negotiation (gzip, deflate,
 * br), Meta-shaped errors, optional slow (chunked) bodies, and a record of every exchange.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { errorBody, unsupportedPath } from './errors';
import { newDebugToken, newRequestId, newRev, newTraceId } from './ids';
import { SandboxLimits } from './limits';
import { route } from './routes';
import type { RouteResult } from './routes';
import { createWebhooks } from './webhooks';
import type { SandboxWebhooks } from './webhooks';

export interface SandboxOptions {
  tls?: boolean;
  apiVersion?: string;
  compression?: 'auto' | 'off';
  concurrentCallLimit?: number;
  businessInitiatedCallLimit?: number;
  callInitiationLimit?: number;
  accessToken?: string;
  now?: () => number;
  responseDelayMs?: number;
  slowBody?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json?: Record<string, unknown>;
  status: number;
  responseHeaders: Record<string, string>;
  /** The JSON text sent (before any content encoding). */
  responseBody: string;
}

export interface Sandbox {
  url: string;
  port: number;
  ca?: string;
  requests: RecordedRequest[];
  failNext(code: number, match?: { action?: string; path?: RegExp }): void;
  activeCalls(phoneNumberId: string): number;
  reset(): void;
  close(): Promise<void>;
  webhooks: SandboxWebhooks;
}

const CERT_DIR = path.join(__dirname, '..', '..', 'sandbox', 'certs');
const certDir = () => (fs.existsSync(path.join(__dirname, 'certs')) ? path.join(__dirname, 'certs') : CERT_DIR);
const PATH = /^\/(?:(v\d+(?:\.\d+)?)\/)?(\d{1,30})\/([a-z_]+)\/?$/;

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const now = opts.now ?? Date.now;
  const limits = new SandboxLimits(now);
  const knownCalls = new Set<string>();
  const requests: RecordedRequest[] = [];
  const failures: { code: number; match?: { action?: string; path?: RegExp } }[] = [];

  const handler = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = (req.method ?? 'GET').toUpperCase();
    const json = parseBody(raw, req.headers['content-type']);
    const m = PATH.exec(url.pathname);
    const fbtraceId = newTraceId();
    let result: RouteResult | undefined;
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (opts.accessToken !== undefined && token !== opts.accessToken) {
      result = errorBody(190, fbtraceId);
      result.headers = { 'www-authenticate': 'OAuth "Facebook Platform" "invalid_token" "Error validating access token"' };
    } else {
      const i = failures.findIndex((f) => (!f.match?.action || f.match.action === json?.action) && (!f.match?.path || f.match.path.test(url.pathname)));
      if (i !== -1) result = errorBody(failures.splice(i, 1)[0].code, fbtraceId);
      else if (m) {
        result = route(
          {
            limits,
            knownCalls,
            fbtraceId,
            concurrentCallLimit: opts.concurrentCallLimit ?? 1000,
            businessInitiatedCallLimit: opts.businessInitiatedCallLimit ?? 100,
            callInitiationLimit: opts.callInitiationLimit ?? 10_000,
          },
          method,
          m[3],
          m[2],
          url.searchParams,
          json,
        );
      }
      result ??= unsupportedPath(method, fbtraceId);
    }
    const text = JSON.stringify(result.body);
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=UTF-8',
      'x-fb-trace-id': fbtraceId,
      'x-fb-request-id': newRequestId(),
      'x-fb-rev': newRev(),
      'x-fb-debug': newDebugToken(),
      'facebook-api-version': m?.[1] ?? opts.apiVersion ?? 'v23.0',
      'strict-transport-security': 'max-age=15552000; preload',
      'cache-control': 'private, no-cache, no-store, must-revalidate',
      vary: 'Accept-Encoding',
      ...result.headers,
    };
    const { encoding, payload } = encode(text, opts.compression === 'off' ? '' : String(req.headers['accept-encoding'] ?? ''));
    if (encoding) headers['content-encoding'] = encoding;
    requests.push({ method, path: url.pathname + url.search, headers: req.headers, body: raw, json, status: result.status, responseHeaders: headers, responseBody: text });
    if (opts.responseDelayMs) await sleep(opts.responseDelayMs);
    if (!opts.slowBody) {
      res.writeHead(result.status, { ...headers, 'content-length': String(payload.length) }).end(payload);
      return;
    }
    res.writeHead(result.status, headers); // chunked
    const step = Math.max(1, Math.ceil(payload.length / 4));
    for (let i = 0; i < payload.length && !res.destroyed; i += step) {
      res.write(payload.subarray(i, i + step));
      await sleep(5);
    }
    res.end();
  };

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handler(req, res).catch(() => res.destroy());
  };
  const server = opts.tls
    ? https.createServer({ key: fs.readFileSync(path.join(certDir(), 'key.pem')), cert: fs.readFileSync(path.join(certDir(), 'cert.pem')) }, listener)
    : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    ca: opts.tls ? fs.readFileSync(path.join(certDir(), 'cert.pem'), 'utf8') : undefined,
    requests,
    failNext: (code, match) => failures.push({ code, match }),
    activeCalls: (phone) => limits.activeCount(phone),
    reset: () => {
      requests.length = 0;
      failures.length = 0;
      limits.reset();
      knownCalls.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
    webhooks: createWebhooks(now),
  };
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> | undefined {
  if (!raw) return undefined;
  try {
    if ((contentType ?? '').includes('application/x-www-form-urlencoded')) {
      // Nested objects (session, interactive) travel as JSON strings in form bodies.
      return Object.fromEntries([...new URLSearchParams(raw)].map(([k, v]) => [k, v.startsWith('{') ? JSON.parse(v) : v]));
    }
    const v = JSON.parse(raw);
    return typeof v === 'object' && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}

function encode(text: string, acceptEncoding: string): { encoding?: string; payload: Buffer } {
  const accepted = acceptEncoding.toLowerCase();
  const raw = Buffer.from(text);
  if (/\bgzip\b/.test(accepted)) return { encoding: 'gzip', payload: zlib.gzipSync(raw) };
  if (/\bbr\b/.test(accepted)) return { encoding: 'br', payload: zlib.brotliCompressSync(raw) };
  if (/\bdeflate\b/.test(accepted)) return { encoding: 'deflate', payload: zlib.deflateSync(raw) };
  return { payload: raw };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
