/**
 * Observes `fetch` and the `undici` package (request, fetch, Client, Pool, Agent) — no module
 * patching, so it works for Node's bundled undici and any npm copy. One diagnostics channel,
 * `undici:request:create`: every request of the app costs one Set lookup of its origin there.
 *
 * For a recognised Graph request only, that request object's own methods are wrapped; each passes
 * everything on unchanged:
 * - request body: a Buffer/string body is read as is; undici hands every chunk of an async-iterable
 *   body (what fetch makes of every body) to `onBodySent` (a generator around the body where a version
 *   has none). undici publishes no body chunks before 7.11 (Node 20/22).
 * - response: `onHeaders`, `onData`, `onComplete`, `onError` (undici 5–7); `onResponseStart`,
 *   `onResponseData`, `onResponseEnd`, `onResponseError` (undici 8). Subscribing to the `headers`,
 *   `trailers` and `error` channels instead would make undici build a message per request of the app,
 *   to any host, and need a WeakMap from request to exchange.
 */
import { bodyWithTraceContext } from '../../graph/callback-injection';
import { ChannelSubscriptions } from './channels';
import { isAbortError, responseHeaderRecord } from './graph-exchange';
import type { GraphExchange } from './graph-exchange';
import { openExchange } from './open-exchange';
import { undiciHeaderRecord } from './propagated-parent';
import type { HttpSourceOptions } from './source-options';

interface UndiciRequest {
  origin?: unknown;
  method?: unknown;
  path?: unknown;
  body?: unknown;
  headers?: unknown;
  onBodySent?: (chunk: unknown) => unknown;
  onHeaders?: Method;
  onResponseStart?: Method;
  onData?: Method;
  onResponseData?: Method;
  onComplete?: Method;
  onResponseEnd?: Method;
  onError?: Method;
  onResponseError?: Method;
}

type Method = (this: unknown, ...args: unknown[]) => unknown;

export class UndiciSource {
  private readonly subscriptions: ChannelSubscriptions;

  constructor(private readonly options: HttpSourceOptions) {
    this.subscriptions = new ChannelSubscriptions(options.onError);
  }

  enable(): void {
    this.subscriptions.subscribe({
      'undici:request:create': (m: { request: UndiciRequest }) => this.onCreate(m.request),
    });
  }

  disable(): void {
    this.subscriptions.unsubscribe();
  }

  private onCreate(request: UndiciRequest): void {
    const origin = originOf(request.origin);
    if (origin === undefined || typeof request.path !== 'string' || typeof request.method !== 'string') return;
    const exchange = openExchange(this.options, origin, request.method, request.path, 'undici', () => undiciHeaderRecord(request.headers));
    if (!exchange) return;
    if (exchange.endpoint.edge === 'calls' && this.options.injectTraceContext()) injectTraceContext(request);
    tapRequestBody(request, exchange);
    tapResponse(request, exchange, this.options.allResponseHeaders());
  }
}

function originOf(origin: unknown): string | undefined {
  if (typeof origin === 'string') return origin.endsWith('/') ? origin.slice(0, -1) : origin;
  if (origin instanceof URL) return origin.origin;
  return undefined;
}

/**
 * Opt-in trace-context injection for bodies undici holds as bytes (undici.request, Client, Pool).
 * fetch turns every body into a stream before this point, so fetch bodies are left alone (apps using
 * fetch can set the value with `callbackDataWithTraceContext()`). undici derives Content-Length from
 * a byte body; an explicit one is kept in `contentLength` and corrected with it.
 */
function injectTraceContext(request: UndiciRequest & { contentLength?: unknown }): void {
  const body = request.body;
  if (!(body instanceof Uint8Array)) return;
  const injected = bodyWithTraceContext(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  if (injected === undefined) return;
  request.body = Buffer.from(injected);
  if (typeof request.contentLength === 'number') request.contentLength = Buffer.byteLength(injected);
}

function tapRequestBody(request: UndiciRequest, exchange: GraphExchange): void {
  const body = request.body;
  if (body === null || body === undefined) return;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    exchange.addRequestChunk(body);
    return;
  }
  const isNodeStream = typeof (body as { pipe?: unknown }).pipe === 'function';
  const iterate = (body as AsyncIterable<unknown>)[Symbol.asyncIterator];
  // Node streams are written by undici through their events, not iteration: leave them alone.
  if (isNodeStream || typeof iterate !== 'function') return;
  const original = request.onBodySent;
  if (typeof original === 'function') {
    // undici 5–8 hand every chunk they write to `onBodySent`: wrapping this request's own costs a
    // call per chunk, where a generator around the body costs several promises per chunk.
    request.onBodySent = function (this: unknown, chunk: unknown) {
      try {
        exchange.addRequestChunk(chunk);
      } catch {
        // observation must never disturb the upload
      }
      return original.call(this, chunk);
    };
    return;
  }
  request.body = passThrough(body as AsyncIterable<unknown>, (chunk) => exchange.addRequestChunk(chunk));
}

/** Yields exactly what `source` yields; a `return()` from the consumer reaches `source` via for-await. */
async function* passThrough(source: AsyncIterable<unknown>, onChunk: (chunk: unknown) => void): AsyncGenerator<unknown> {
  for await (const chunk of source) {
    try {
      onChunk(chunk);
    } catch {
      // observation must never disturb the upload
    }
    yield chunk;
  }
}

/**
 * The request's own response methods, wrapped (undici 5–7: `onHeaders`, `onData`, `onComplete`,
 * `onError`; undici 8: `onResponseStart`, `onResponseData`, `onResponseEnd`, `onResponseError`). Each
 * passes undici's arguments on and returns its result; the exchange hears of the start and end once
 * undici's own returned, of a chunk or an error before (guarded either way). Where a version has both
 * names of the start, end or error, both are wrapped (hearing of either twice changes nothing); body
 * chunks are taken from one of them only, or they would be copied twice. A request whose undici has
 * none of them ends at the exchange deadline, incomplete.
 */
function tapResponse(request: UndiciRequest, exchange: GraphExchange, allHeaders: boolean): void {
  const onStart = (statusCode: unknown, headers: unknown) => {
    if (typeof statusCode === 'number') exchange.onResponseHeaders(statusCode, responseHeaderRecord(headers, allHeaders));
  };
  const onEnd = () => exchange.complete();
  wrapAfter(request, 'onHeaders', onStart);
  wrapAfter(request, 'onResponseStart', onStart);
  wrapBefore(request, typeof request.onData === 'function' ? 'onData' : 'onResponseData', (chunk) => exchange.addResponseChunk(chunk));
  wrapAfter(request, 'onComplete', onEnd);
  wrapAfter(request, 'onResponseEnd', onEnd);
  // Where undici publishes `undici:request:error`: heard before undici's own runs, as the channel was.
  const onError = (error: unknown) => exchange.fail(error, isAbortError(error));
  wrapBefore(request, 'onError', onError);
  wrapBefore(request, 'onResponseError', onError);
}

type Hooked = 'onHeaders' | 'onResponseStart' | 'onData' | 'onResponseData' | 'onComplete' | 'onResponseEnd' | 'onError' | 'onResponseError';

/** `observe` sees each chunk (or the error) before undici passes it on (the app may consume it synchronously). */
function wrapBefore(request: UndiciRequest, name: Hooked, observe: (a: unknown) => void): void {
  const original = request[name];
  if (typeof original !== 'function') return;
  request[name] = function (this: unknown, a: unknown) {
    try {
      observe(a);
    } catch {
      // never disturb the response
    }
    // undici's arguments, passed on as they came (`apply(this, arguments)` copies nothing).
    // eslint-disable-next-line prefer-rest-params
    return original.apply(this, arguments as unknown as unknown[]);
  };
}

/** undici's own method runs first (its checks and its channel message); `observe` only once it returned. */
function wrapAfter(request: UndiciRequest, name: Hooked, observe: (a: unknown, b: unknown) => void): void {
  const original = request[name];
  if (typeof original !== 'function') return;
  request[name] = function (this: unknown, a: unknown, b: unknown) {
    // eslint-disable-next-line prefer-rest-params
    const result = original.apply(this, arguments as unknown as unknown[]);
    try {
      observe(a, b);
    } catch {
      // never disturb the response
    }
    return result;
  };
}
