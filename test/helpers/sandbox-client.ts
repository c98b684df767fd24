/** Helpers for the sandbox's own tests: open sandboxes, call them with fetch / node:http(s). */
import * as http from 'node:http';
import * as https from 'node:https';
import { expect } from 'vitest';
import { startSandbox } from '../../sandbox';
import type { Sandbox, SandboxOptions } from '../../sandbox';

export const PHONE = '106540352242922';
export const USER = '14085551234';
export const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';
export const DAY = 24 * 60 * 60 * 1000;
export type Json = Record<string, any>;

export interface Reply {
  status: number;
  headers: Headers;
  json: Json;
}

export const opened: Sandbox[] = [];
export async function sandbox(opts?: SandboxOptions): Promise<Sandbox> {
  const sb = await startSandbox(opts);
  opened.push(sb);
  return sb;
}
/** Closes every sandbox a test opened (call from afterEach). */
export async function closeSandboxes(): Promise<void> {
  await Promise.all(opened.splice(0).map((sb) => sb.close()));
}

export async function call(sb: Sandbox, method: 'GET' | 'POST', path: string, body?: object | string, headers: Record<string, string> = {}): Promise<Reply> {
  const init: RequestInit = { method, headers: { authorization: 'Bearer t', ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { 'content-type': 'application/json', ...init.headers };
  }
  const res = await fetch(`${sb.url}${path}`, init);
  return { status: res.status, headers: res.headers, json: (await res.json()) as Json };
}
export const calls = (sb: Sandbox, body: object) => call(sb, 'POST', `/v23.0/${PHONE}/calls`, { messaging_product: 'whatsapp', ...body });
export const connect = (sb: Sandbox, to = USER, extra: object = {}) => calls(sb, { to, action: 'connect', session: { sdp_type: 'offer', sdp: SDP }, ...extra });
export const permissions = (sb: Sandbox, user = USER) => call(sb, 'GET', `/v23.0/${PHONE}/call_permissions?user_wa_id=${user}`);
export const startCall = (reply: Reply) => reply.json.actions.find((a: Json) => a.action_name === 'start_call');

/** A raw exchange over node:http or node:https (no automatic decoding). */
export function raw(url: string, o: { method?: string; headers?: Record<string, string>; body?: string; ca?: string } = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const onRes = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    };
    const u = new URL(url);
    const opts = { method: o.method ?? 'GET', headers: o.headers };
    const req = u.protocol === 'https:' ? https.request(u, { ...opts, ca: o.ca }, onRes) : http.request(u, opts, onRes);
    req.on('error', reject);
    req.end(o.body);
  });
}

export function expectGraphHeaders(h: Headers, version = 'v23.0') {
  expect(h.get('content-type')).toBe('application/json; charset=UTF-8');
  expect(h.get('x-fb-trace-id')).toMatch(/^[A-Za-z0-9_-]{11}$/);
  expect(h.get('x-fb-request-id')).toHaveLength(23);
  expect(h.get('x-fb-rev')).toMatch(/^\d{10}$/);
  expect(h.get('x-fb-debug')).toHaveLength(88);
  expect(h.get('facebook-api-version')).toBe(version);
  expect(h.get('strict-transport-security')).toMatch(/^max-age=\d+/);
  expect(h.get('cache-control')).toBe('private, no-cache, no-store, must-revalidate');
}

export function expectMetaError(res: Reply, code: number, status: number) {
  expect(res.status).toBe(status);
  expectGraphHeaders(res.headers);
  expect(res.json.error).toEqual({
    message: expect.stringMatching(new RegExp(`^\\(#${code}\\) \\S`)),
    type: 'OAuthException',
    code,
    error_data: { messaging_product: 'whatsapp', details: expect.stringMatching(/\S/) },
    fbtrace_id: res.headers.get('x-fb-trace-id'),
  });
}
