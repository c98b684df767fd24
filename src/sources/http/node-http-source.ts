/**
 * Observes `node:http` / `node:https` clients and everything built on them (axios, got, node-fetch).
 *
 * Request bodies: Node 20 publishes `http.client.request.start` only after the body is written, so the
 * bytes are taken from `ClientRequest.prototype.write/end`, wrapped once per process and shared by all
 * instances (a wrapper that is never removed can't clobber another library's later wrapper; when no
 * source is enabled it is a plain pass-through). Responses: `http.client.response.finish` fires at
 * the response headers; we then wrap that response object's own `emit` to copy `'data'` chunks the
 * app consumes, without adding listeners or changing its flowing state.
 */
import { errorMonitor } from 'node:events';
import * as http from 'node:http';
import { bodyWithTraceContext } from '../../graph/callback-injection';
import { ChannelSubscriptions } from './channels';
import { isAbortError, RESPONSE_HEADERS_READ } from './graph-exchange';
import type { GraphExchange } from './graph-exchange';
import { isGraphHost } from '../../graph/graph-endpoints';
import { openExchange } from './open-exchange';
import { nodeHeaderRecord } from './propagated-parent';
import type { HttpSourceOptions } from './source-options';

type Writer = (this: http.ClientRequest, ...args: unknown[]) => unknown;

/** Enabled sources (an array: the taps below run on every request of every host, so no iterator). */
const enabledSources: NodeHttpSource[] = [];
const kWrapped = Symbol.for('opentelemetry-instrumentation-whatsapp-calling.client-request-wrapped');

function installPrototypeTaps(): void {
  const proto = http.ClientRequest.prototype as unknown as Record<string | symbol, unknown>;
  if (proto[kWrapped]) return;
  proto[kWrapped] = true;
  for (const method of ['write', 'end', 'destroy'] as const) {
    const original = proto[method] as Writer;
    proto[method] = function (this: http.ClientRequest) {
      // The app's own `arguments`, passed on as they came (unless trace-context injection rewrote
      // them). Kept to `apply(this, arguments)` here, which V8 passes through without copying.
      // eslint-disable-next-line prefer-rest-params
      if (enabledSources.length === 0) return original.apply(this, arguments as unknown as unknown[]);
      // eslint-disable-next-line prefer-rest-params
      return original.apply(this, observed(this, method, arguments) as unknown[]);
    };
  }
}

/** Hands one write/end/destroy to every enabled source; the arguments to pass on. */
function observed(request: http.ClientRequest, method: 'write' | 'end' | 'destroy', args: ArrayLike<unknown>): ArrayLike<unknown> {
  for (let i = 0; i < enabledSources.length; i++) {
    if (method === 'destroy') enabledSources[i].onDestroy(request, args[0]);
    else args = enabledSources[i].onOutgoing(request, args);
  }
  return args;
}

/**
 * Rewrites a first chunk that is a whole JSON connect/accept body, when the headers can still follow
 * (not sent yet, so a Content-Length can be corrected). Anything else is left exactly as it was.
 */
function withTraceContext(request: http.ClientRequest, args: ArrayLike<unknown>): ArrayLike<unknown> {
  const [chunk, encoding] = [args[0], args[1]];
  if (request.headersSent || (typeof chunk !== 'string' && !Buffer.isBuffer(chunk))) return args;
  const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
  const injected = bodyWithTraceContext(text);
  if (injected === undefined) return args;
  if (request.getHeader('content-length') !== undefined) request.setHeader('content-length', Buffer.byteLength(injected));
  const replaced = typeof chunk === 'string' ? injected : Buffer.from(injected);
  const rest = Array.from(args).slice(typeof encoding === 'string' ? 2 : 1);
  return [replaced, ...(typeof encoding === 'string' ? [encoding] : []), ...rest];
}

export class NodeHttpSource {
  /**
   * Graph Calling requests only: an entry per request of every host cost ~0.2 µs (a WeakMap insert and
   * its GC), more than deciding again at each write — a `Host` lookup.
   */
  private readonly exchanges = new WeakMap<http.ClientRequest, GraphExchange>();
  private readonly subscriptions: ChannelSubscriptions;

  constructor(private readonly options: HttpSourceOptions) {
    this.subscriptions = new ChannelSubscriptions(options.onError);
  }

  enable(): void {
    installPrototypeTaps();
    if (!enabledSources.includes(this)) enabledSources.push(this);
    this.subscriptions.subscribe({
      'http.client.response.finish': (m: { request: http.ClientRequest; response: http.IncomingMessage }) => this.onResponse(m.request, m.response),
    });
  }

  disable(): void {
    const at = enabledSources.indexOf(this);
    if (at !== -1) enabledSources.splice(at, 1);
    this.subscriptions.unsubscribe();
  }

  /**
   * Called from the prototype wrapper for each write()/end(); never throws. Returns the arguments to
   * write: the app's own, unless trace-context injection (opt-in) rewrote the first chunk.
   */
  onOutgoing(request: http.ClientRequest, args: ArrayLike<unknown>): ArrayLike<unknown> {
    try {
      let exchange = this.exchanges.get(request);
      const first = exchange === undefined;
      if (first) {
        exchange = this.start(request);
        if (!exchange) return args; // not the Graph API: nothing kept, the next write decides again (a host lookup)
        this.exchanges.set(request, exchange);
      }
      if (exchange && typeof args[0] !== 'function' && args[0] !== undefined) {
        if (first && exchange.endpoint.edge === 'calls' && this.options.injectTraceContext()) args = withTraceContext(request, args);
        exchange.addRequestChunk(args[0], typeof args[1] === 'string' ? (args[1] as BufferEncoding) : undefined);
      }
    } catch (err) {
      this.options.onError('node:http write', err);
    }
    return args;
  }

  /**
   * `destroy()` before any response or error is the app (or its client library: got, axios) giving
   * up on the request; the "socket hang up" error Node emits next is then an abort, not a failure.
   */
  onDestroy(request: http.ClientRequest, error: unknown): void {
    const exchange = this.exchanges.get(request);
    if (exchange && !exchange.responded && (error === undefined || isAbortError(error))) exchange.cancelledByApp = true;
  }

  private start(request: http.ClientRequest): GraphExchange | undefined {
    const host = String(request.getHeader('host') ?? request.host);
    if (!isGraphHost(this.options.bases(), host)) return undefined;
    const exchange = openExchange(this.options, `${request.protocol}//${host}`, request.method, request.path, 'node:http', () =>
      nodeHeaderRecord(request.getHeaders()),
    );
    if (!exchange) return undefined;
    // errorMonitor observes 'error' without counting as a handler, so unhandled errors stay unhandled.
    request.on(errorMonitor, (err: unknown) => exchange.fail(err, exchange.cancelledByApp || isAbortError(err)));
    request.once('close', () => {
      if (!exchange.done && !exchange.responded) exchange.fail(undefined, true);
    });
    return exchange;
  }

  private onResponse(request: http.ClientRequest, response: http.IncomingMessage): void {
    const exchange = this.exchanges.get(request);
    if (!exchange) return;
    const headers: Record<string, string> = {};
    const parsed = response.headers;
    for (const name of this.options.allResponseHeaders() ? Object.keys(parsed) : RESPONSE_HEADERS_READ) {
      const value = parsed[name];
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    exchange.onResponseHeaders(response.statusCode ?? 0, headers);
    const originalEmit = response.emit;
    response.emit = function (this: http.IncomingMessage, event: string | symbol, arg?: unknown) {
      try {
        if (event === 'data') exchange.addResponseChunk(arg);
        else if (event === 'end') exchange.complete();
        else if (event === 'error') exchange.fail(arg, isAbortError(arg));
        else if (event === 'close') exchange.complete();
      } catch {
        // never disturb the app's stream
      }
      // Every event of the response passes here: its arguments go on as they came, without a copy.
      // eslint-disable-next-line prefer-rest-params
      return originalEmit.apply(this, arguments as unknown as Parameters<typeof originalEmit>);
    } as typeof response.emit;
  }
}
