/**
 * fetch/undici exchanges are read from the Graph request's own handler methods. A request object that
 * has both generations of names — the legacy ones handing on to the new ones, as an adapter would —
 * still makes one exchange: its status and headers once, its body copied once, its failure once, one span.
 */
import * as diagch from 'node:diagnostics_channel';
import { afterAll, describe, expect, it } from 'vitest';
import { createHarness } from './helpers/otel-harness';

const ORIGIN = 'http://127.0.0.1:40998';
const harness = createHarness({ graphApiBaseUrls: [ORIGIN] });
afterAll(() => harness.instrumentation.disable());
const create = diagch.channel('undici:request:create');
const raw = (headers: Record<string, string>) => Object.entries(headers).flatMap(([k, v]) => [Buffer.from(k), Buffer.from(v)]);

/** A request whose legacy methods call the undici 8 ones (each counted, to check nothing was lost). */
class BothGenerationsRequest {
  calls: string[] = [];
  constructor(
    readonly origin: string,
    readonly path: string,
    readonly body: Buffer,
    readonly method = 'POST',
    readonly headers: string[] = ['content-type', 'application/json'],
  ) {
    create.publish({ request: this });
  }
  onHeaders(statusCode: number, headers: Buffer[], resume: () => void, statusText: string) {
    this.calls.push('onHeaders');
    return this.onResponseStart(statusCode, headers, resume, statusText);
  }
  onResponseStart(_statusCode: number, _headers: Buffer[], _resume: () => void, _statusText: string) {
    this.calls.push('onResponseStart');
    return true;
  }
  onData(chunk: Buffer) {
    this.calls.push('onData');
    return this.onResponseData(chunk);
  }
  onResponseData(_chunk: Buffer) {
    this.calls.push('onResponseData');
    return true;
  }
  onComplete(trailers: Buffer[]) {
    this.calls.push('onComplete');
    return this.onResponseEnd(trailers);
  }
  onResponseEnd(_trailers: Buffer[]) {
    this.calls.push('onResponseEnd');
  }
  onError(error: Error) {
    this.calls.push('onError');
    return this.onResponseError(error);
  }
  onResponseError(_error: Error) {
    this.calls.push('onResponseError');
  }
}

describe('undici handler taps', () => {
  it('records one exchange, its body once, when a request has both generations of handler names', () => {
    const body = Buffer.from(
      JSON.stringify({ messaging_product: 'whatsapp', to: '14085550000', action: 'connect', session: { sdp_type: 'offer', sdp: 'v=0' } }),
    );
    const req = new BothGenerationsRequest(ORIGIN, '/v23.0/106540352242922/calls', body);
    const response = Buffer.from(JSON.stringify({ messaging_product: 'whatsapp', calls: [{ id: 'wacid.both-generations' }] }));
    const half = response.length >> 1;
    expect(req.onHeaders(200, raw({ 'content-type': 'application/json', 'x-fb-request-id': 'AbC123' }), () => {}, 'OK')).toBe(true);
    expect(req.onData(response.subarray(0, half))).toBe(true);
    expect(req.onData(response.subarray(half))).toBe(true);
    req.onComplete([]);

    // undici's own methods all ran, each once per call, with their results returned.
    expect(req.calls).toEqual(['onHeaders', 'onResponseStart', 'onData', 'onResponseData', 'onData', 'onResponseData', 'onComplete', 'onResponseEnd']);
    const spans = harness.whatsappSpans().filter((s) => s.attributes['whatsapp.call.id'] === 'wacid.both-generations');
    expect(spans).toHaveLength(1);
    expect(spans[0].name).toBe('whatsapp calls.connect');
    expect(spans[0].attributes['http.response.status_code']).toBe(200);
    expect(spans[0].attributes['whatsapp.request.id']).toBe('AbC123');
  });

  it('ends the exchange of a request that fails after its headers, once, as an incomplete failure', () => {
    const body = Buffer.from(JSON.stringify({ messaging_product: 'whatsapp', call_id: 'wacid.both-generations-failed', action: 'accept' }));
    const req = new BothGenerationsRequest(ORIGIN, '/v23.0/106540352242922/calls', body);
    req.onHeaders(200, raw({ 'content-type': 'application/json' }), () => {}, 'OK');
    req.onError(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }));
    expect(req.calls).toEqual(['onHeaders', 'onResponseStart', 'onError', 'onResponseError']);
    const spans = harness.whatsappSpans().filter((s) => s.attributes['whatsapp.call.id'] === 'wacid.both-generations-failed');
    expect(spans).toHaveLength(1);
    expect(spans[0].name).toBe('whatsapp calls.accept');
    expect(spans[0].attributes).toMatchObject({ 'error.type': 'UND_ERR_SOCKET', 'whatsapp.operation.incomplete': true });
  });

  it('leaves requests to other hosts exactly as they were', () => {
    const req = new BothGenerationsRequest('https://api.example.com', '/v1/orders', Buffer.from('{}'));
    expect(Object.keys(req)).not.toContain('onHeaders');
    expect(Object.getOwnPropertyNames(req).filter((k) => k.startsWith('on'))).toEqual([]);
  });
});
