/**
 * Behaviours of the Graph API path beyond the span contract: every error category through real
 * responses, gzip, slow bodies, bodies the app never reads, aborts, non-Graph traffic, disabling,
 * hooks, consumer-number modes and bodies we cannot or should not read.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import * as http from 'node:http';
import axios from 'axios';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../sandbox';
import type { Sandbox } from '../sandbox';
import { exchangeTimeouts } from '../src/sources/http/graph-exchange';
import { send } from './helpers/clients';
import { createHarness, eventually } from './helpers/otel-harness';

const PHONE = '106540352242922';
const SDP = 'v=0\r\n';
const harness = createHarness();
let sb: Sandbox;
let slow: Sandbox;
let other: http.Server;
let otherUrl: string;

beforeAll(async () => {
  sb = await startSandbox();
  slow = await startSandbox({ slowBody: true, responseDelayMs: 150 });
  other = http.createServer((_req, res) => res.end('{"calls":[{"id":"wacid.NOT"}]}'));
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
  otherUrl = `http://127.0.0.1:${(other.address() as { port: number }).port}`;
  harness.instrumentation.setConfig({ graphApiBaseUrls: [sb.url, slow.url] });
});
afterAll(async () => {
  await sb.close();
  await slow.close();
  await new Promise((r) => other.close(r));
});
beforeEach(() => {
  harness.reset();
  harness.instrumentation.setConfig({ graphApiBaseUrls: [sb.url, slow.url] });
});

const calls = (base = sb.url) => `${base}/v23.0/${PHONE}/calls`;
const connect = (to = '14085551234') => JSON.stringify({ messaging_product: 'whatsapp', to, action: 'connect', session: { sdp_type: 'offer', sdp: SDP } });
const oneSpan = () => eventually(() => harness.whatsappSpans().length === 1 && harness.whatsappSpans()[0]);

describe('error categories from real error responses', () => {
  const cases: [number, string][] = [
    [100, 'invalid_request'],
    [190, 'auth'],
    [138006, 'permission'],
    [138000, 'configuration'],
    [131055, 'configuration'],
    [138014, 'account_restricted'],
    [613, 'rate_limited'],
    [138005, 'rate_limited'],
    [138002, 'concurrency_limit'],
    [138012, 'daily_quota'],
    [138003, 'duplicate_call'],
    [138001, 'recipient_unavailable'],
    [138004, 'connection'],
    [138007, 'connect_timeout'],
    [131000, 'server'],
    [131016, 'server'],
  ];
  it.each(cases)('code %i → %s, with error.type, status ERROR and a remedy', async (code, category) => {
    sb.failNext(code);
    const res = await send('fetch', { method: 'POST', url: calls(), body: connect() });
    const span = await oneSpan();
    expect(res.status).toBe(sb.requests.at(-1)!.status);
    expect(span.attributes).toMatchObject({ 'whatsapp.error.category': category, 'whatsapp.error.code': code, 'error.type': String(code) });
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.events.some((e) => e.name === 'whatsapp.error.remedy')).toBe(true);
  });

  it('labels an HTTP 5xx without a Meta error body as server, and an unreachable host as connection', async () => {
    const bare = http.createServer((_q, r) => r.writeHead(502).end('<html>bad gateway</html>'));
    await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
    const bareUrl = `http://127.0.0.1:${(bare.address() as { port: number }).port}`;
    // A port that was just free (fetch refuses "bad ports" such as 1 before connecting).
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const closedUrl = `http://127.0.0.1:${(probe.address() as { port: number }).port}`;
    await new Promise((r) => probe.close(r));
    harness.instrumentation.setConfig({ graphApiBaseUrls: [bareUrl, closedUrl] });
    await send('axios', { method: 'POST', url: calls(bareUrl), body: connect() });
    await expect(send('fetch', { method: 'POST', url: calls(closedUrl), body: connect() })).rejects.toThrow();
    const spans = await eventually(() => harness.whatsappSpans().length === 2 && harness.whatsappSpans());
    expect(spans[0].attributes).toMatchObject({ 'error.type': '502', 'whatsapp.error.category': 'server' });
    expect(spans[1].attributes).toMatchObject({ 'error.type': 'ECONNREFUSED', 'whatsapp.error.category': 'connection' });
    const remedy = spans[1].events.find((e) => e.name === 'whatsapp.error.remedy');
    expect(remedy?.attributes?.['whatsapp.error.remedy']).toMatch(/no response from the Graph API/);
    bare.close();
  });
});

describe('response bodies', () => {
  it('reads the call id from gzip, br and deflate responses', async () => {
    for (const encoding of ['gzip', 'br', 'deflate']) {
      harness.reset();
      await send('undici.request', { method: 'POST', url: calls(), body: connect(), headers: { 'accept-encoding': encoding } });
      expect(sb.requests.at(-1)!.responseHeaders['content-encoding']).toBe(encoding);
      const span = await oneSpan();
      expect(span.attributes['whatsapp.call.id']).toBe(JSON.parse(sb.requests.at(-1)!.responseBody).calls[0].id);
    }
  });

  it('follows a slow chunked response to its end', async () => {
    const res = await send('node:http(s)', { method: 'POST', url: calls(slow.url), body: connect() });
    expect(JSON.parse(res.body.toString()).calls[0].id).toMatch(/^wacid\./);
    const span = await oneSpan();
    expect(span.attributes['whatsapp.call.id']).toBe(JSON.parse(res.body.toString()).calls[0].id);
  });

  it('ends the span of a response the app never reads (fetch buffers it; node:http after the body wait)', async () => {
    const saved = exchangeTimeouts.bodyWaitMs;
    exchangeTimeouts.bodyWaitMs = 200;
    try {
      await fetch(calls(), { method: 'POST', body: connect(), headers: { 'content-type': 'application/json' } });
      const fetched = await oneSpan();
      expect(fetched.attributes['whatsapp.call.id']).toMatch(/^wacid\./);
      harness.reset();
      await new Promise<void>((resolve) => {
        const req = http.request(calls(), { method: 'POST', headers: { 'content-type': 'application/json' } }, () => resolve());
        req.end(connect());
      });
      const unread = await oneSpan();
      expect(unread.name).toBe('whatsapp calls.connect');
      expect(unread.attributes['http.response.status_code']).toBe(200);
      expect(unread.attributes['whatsapp.request.id']).toBe(sb.requests.at(-1)!.responseHeaders['x-fb-request-id']);
    } finally {
      exchangeTimeouts.bodyWaitMs = saved;
    }
  });
});

describe('requests', () => {
  it('treats an aborted request as not an error', async () => {
    for (const client of ['fetch', 'axios', 'got', 'undici.request'] as const) {
      harness.reset();
      const controller = new AbortController();
      const before = slow.requests.length;
      const pending = send(client, { method: 'POST', url: calls(slow.url), body: connect(), signal: controller.signal });
      // Abort once the sandbox holds the request (it answers after 150 ms), not on a timer.
      await eventually(() => slow.requests.length > before);
      controller.abort();
      await expect(pending).rejects.toThrow();
      const span = await oneSpan();
      expect(span.status, `${client} ${JSON.stringify(span.attributes)}`).toEqual({ code: SpanStatusCode.UNSET });
      expect(span.attributes['error.type']).toBeUndefined();
    }
  });

  it('leaves non-Graph hosts and non-calling Graph paths alone', async () => {
    await send('fetch', { method: 'POST', url: `${otherUrl}/v23.0/${PHONE}/calls`, body: connect() });
    await send('axios', { method: 'POST', url: `${sb.url}/v23.0/${PHONE}/media`, body: '{}' });
    await send('fetch', {
      method: 'POST',
      url: `${sb.url}/v23.0/${PHONE}/messages`,
      body: JSON.stringify({ messaging_product: 'whatsapp', to: '1', type: 'text', text: { body: 'hi' } }),
    });
    await send('fetch', { method: 'POST', url: calls(), body: connect() });
    const span = await oneSpan();
    expect(span.name).toBe('whatsapp calls.connect');
  });

  it('recognises permission requests, voice-call buttons, settings and call_permissions', async () => {
    const msg = (interactive: object) => JSON.stringify({ messaging_product: 'whatsapp', to: '14085551234', type: 'interactive', interactive });
    await send('fetch', {
      method: 'POST',
      url: `${sb.url}/v23.0/${PHONE}/messages`,
      body: msg({ type: 'call_permission_request', action: { name: 'call_permission_request' }, body: { text: 'May we call?' } }),
    });
    await send('fetch', {
      method: 'POST',
      url: `${sb.url}/v23.0/${PHONE}/messages`,
      body: msg({ type: 'voice_call', action: { name: 'voice_call', parameters: { display_text: 'Call' } } }),
    });
    await send('got', { method: 'GET', url: `${sb.url}/v23.0/${PHONE}/settings` });
    await send('got', { method: 'POST', url: `${sb.url}/v23.0/${PHONE}/settings`, body: JSON.stringify({ calling: { status: 'ENABLED' } }) });
    await send('axios', { method: 'GET', url: `${sb.url}/${PHONE}/call_permissions?user_wa_id=14085551234` });
    const spans = await eventually(() => harness.whatsappSpans().length === 5 && harness.whatsappSpans());
    expect(spans.map((s) => s.name)).toEqual([
      'whatsapp messages.call_permission_request',
      'whatsapp messages.voice_call',
      'whatsapp settings.get',
      'whatsapp settings.update',
      'whatsapp call_permissions.get',
    ]);
    expect(spans[0].attributes['whatsapp.message.id']).toMatch(/^wamid\./);
    expect(spans[4].attributes['whatsapp.api.version']).toBe('v23.0'); // from facebook-api-version, path had none
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain('14085551234');
  });

  it('reads form-encoded bodies, and names a streamed body it could not read from the response', async () => {
    const form = new URLSearchParams({ messaging_product: 'whatsapp', action: 'terminate', call_id: 'wacid.FORM' });
    await fetch(calls(), { method: 'POST', body: form });
    let span = await oneSpan();
    expect(span.attributes).toMatchObject({ 'whatsapp.operation': 'calls.terminate', 'whatsapp.call.id': 'wacid.FORM' });
    harness.reset();
    await new Promise<void>((resolve, reject) => {
      const req = http.request(calls(), { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => res.resume().on('end', resolve));
      req.on('error', reject);
      const body = connect();
      req.write(body.slice(0, 10));
      setTimeout(() => req.end(body.slice(10)), 20);
    });
    span = await oneSpan();
    expect(span.name).toBe('whatsapp calls.connect');
  });
});

describe('configuration', () => {
  it('stops recording when disabled and resumes when re-enabled', async () => {
    harness.instrumentation.disable();
    await send('fetch', { method: 'POST', url: calls(), body: connect() });
    await send('axios', { method: 'POST', url: calls(), body: connect() });
    await new Promise((r) => setTimeout(r, 50));
    expect(harness.whatsappSpans()).toHaveLength(0);
    harness.instrumentation.enable();
    await send('axios', { method: 'POST', url: calls(), body: connect() });
    await oneSpan();
  });

  it('calls the hooks, survives a throwing hook, and records consumer numbers only as configured', async () => {
    const seen: string[] = [];
    harness.instrumentation.setConfig({
      graphApiBaseUrls: [sb.url],
      consumerNumbers: 'hash',
      consumerNumberHashKey: 'k',
      requestHook: (span, info) => {
        seen.push(`req ${info.operation} ${info.method}`);
        span.setAttribute('app.tenant', 'acme');
        throw new Error('hook bug');
      },
      responseHook: (_span, info) => {
        seen.push(`res ${info.statusCode} ${JSON.parse(info.body ?? '{}').calls?.[0]?.id ? 'with-id' : ''}`);
      },
    });
    const res = await send('fetch', { method: 'POST', url: calls(), body: connect('14085550000') });
    expect(res.status).toBe(200);
    let span = await oneSpan();
    expect(seen).toEqual(['req calls.connect POST', 'res 200 with-id']);
    expect(span.attributes['app.tenant']).toBe('acme');
    expect(span.attributes['whatsapp.user.id']).toMatch(/^[0-9a-f]{32}$/);
    expect(span.attributes['whatsapp.user.id']).not.toContain('14085550000');
    harness.reset();
    harness.instrumentation.setConfig({ graphApiBaseUrls: [sb.url], consumerNumbers: 'raw' });
    await send('fetch', { method: 'POST', url: calls(), body: connect('14085550000') });
    span = await oneSpan();
    expect(span.attributes['whatsapp.user.id']).toBe('14085550000');
  });
});

describe('ambient traffic', () => {
  it('keeps working for axios requests the instrumentation does not recognise, with or without bodies', async () => {
    const r = await axios.get(otherUrl);
    expect(r.data.calls[0].id).toBe('wacid.NOT');
  });
});
