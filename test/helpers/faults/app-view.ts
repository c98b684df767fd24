/**
 * What an app observes of one Graph request, made the way apps make it with each client, including
 * the client's own timeout. The view is everything the app could branch on: status, the headers it
 * reads, the body bytes (length and digest), and the error (class, code, cause code, message).
 * Differential tests compare two views of the same request with the instrumentation off and on.
 */
import axios from 'axios';
import got from 'got';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import nodeFetch from 'node-fetch';
import * as undici from 'undici';

export const FAULT_CLIENTS = ['fetch', 'undici.request', 'node:http', 'axios', 'got', 'node-fetch'] as const;
export type FaultClient = (typeof FAULT_CLIENTS)[number];

export interface AppView {
  status?: number;
  contentType?: string | null;
  contentEncoding?: string | null;
  bodyLength?: number;
  bodySha256?: string;
  error?: { name: string; code?: string; causeCode?: string; message: string };
  /** The raw body (not enumerable: not compared). */
  readonly body?: Buffer;
}

export const CONNECT_BODY = JSON.stringify({
  messaging_product: 'whatsapp',
  to: '14085551234',
  action: 'connect',
  session: { sdp_type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n' },
});

const HEADERS = { authorization: 'Bearer fault-test-token', 'content-type': 'application/json' };

const digest = (body: Buffer) => ({ bodyLength: body.length, bodySha256: createHash('sha256').update(body).digest('hex').slice(0, 16) });

/** `body` rides along (non-enumerable) so `appView` can normalise it; views compare without it. */
function withBody(status: number, contentType: string | null | undefined, contentEncoding: string | null | undefined, body: Buffer): AppView {
  const view: AppView = { status, contentType: contentType ?? null, contentEncoding: contentEncoding ?? null, ...digest(body) };
  Object.defineProperty(view, 'body', { value: body, enumerable: false });
  return view;
}

/** An error code as text: Node's and the clients' codes are strings, a few libraries' numbers. */
const codeText = (code: unknown): string | undefined => (typeof code === 'string' || typeof code === 'number' ? String(code) : undefined);

function errorView(err: unknown): AppView {
  const e = err as { name?: string; code?: unknown; message?: string; cause?: { code?: unknown } };
  const code = codeText(e?.code);
  const causeCode = codeText(e?.cause?.code);
  return {
    error: {
      name: String(e?.name ?? typeof err),
      ...(code !== undefined ? { code } : {}),
      ...(causeCode !== undefined ? { causeCode } : {}),
      message: String(e?.message ?? err),
    },
  };
}

/**
 * One request with `client`, giving up after `timeoutMs` the way that client's users do. `normalise`
 * maps the body before it is digested (e.g. blanking ids a live peer makes fresh for each request).
 */
export async function appView(
  client: FaultClient,
  url: string,
  timeoutMs: number,
  body = CONNECT_BODY,
  normalise?: (body: Buffer) => Buffer,
): Promise<AppView> {
  try {
    const view = await request(client, url, timeoutMs, body);
    return normalise && view.body ? Object.assign(view, digest(normalise(view.body))) : view;
  } catch (err) {
    return errorView(err);
  }
}

async function request(client: FaultClient, url: string, timeoutMs: number, body: string): Promise<AppView> {
  switch (client) {
    case 'fetch': {
      const res = await fetch(url, { method: 'POST', headers: HEADERS, body, signal: AbortSignal.timeout(timeoutMs) });
      return withBody(res.status, res.headers.get('content-type'), res.headers.get('content-encoding'), Buffer.from(await res.arrayBuffer()));
    }
    case 'undici.request': {
      const res = await undici.request(url, { method: 'POST', headers: HEADERS, body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
      const h = (name: string) => (res.headers[name] as string | undefined) ?? null;
      return withBody(res.statusCode, h('content-type'), h('content-encoding'), Buffer.from(await res.body.arrayBuffer()));
    }
    case 'node:http':
      return nodeHttp(url, timeoutMs, body);
    case 'axios': {
      const res = await axios.post(url, body, { headers: HEADERS, timeout: timeoutMs, responseType: 'arraybuffer', validateStatus: () => true });
      return withBody(res.status, res.headers['content-type'] as string, res.headers['content-encoding'] as string, Buffer.from(res.data));
    }
    case 'got': {
      const res = await got.post(url, {
        headers: HEADERS,
        body,
        timeout: { request: timeoutMs },
        retry: { limit: 0 },
        throwHttpErrors: false,
        responseType: 'buffer',
      });
      return withBody(res.statusCode, res.headers['content-type'], res.headers['content-encoding'], res.body);
    }
    case 'node-fetch': {
      const res = await nodeFetch(url, { method: 'POST', headers: HEADERS, body, signal: AbortSignal.timeout(timeoutMs) });
      return withBody(res.status, res.headers.get('content-type'), res.headers.get('content-encoding'), Buffer.from(await res.arrayBuffer()));
    }
  }
}

/** Plain node:http with the classic `setTimeout` → `destroy(error)` idiom. */
function nodeHttp(url: string, timeoutMs: number, body: string): Promise<AppView> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: HEADERS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(withBody(res.statusCode ?? 0, res.headers['content-type'], res.headers['content-encoding'], Buffer.concat(chunks))));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('request timed out'), { code: 'APP_TIMEOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}
