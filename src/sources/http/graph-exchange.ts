/**
 * One observed HTTP exchange with the Graph API, whatever client made it. Transport adapters feed it
 * bytes and lifecycle signals; it keeps bounded copies, and on completion turns them into one
 * `GraphOperationEvent` (or nothing, for Graph requests that are not Calling operations).
 *
 * Memory is bounded in size (two `BoundedBytes`) and in time: exchanges whose response never completes
 * (e.g. a body the app never reads) are finalised by the shared deadline check, so nothing lives forever.
 */
import type { Context } from '@opentelemetry/api';
import type { GraphOperationEvent, GraphOperationListener, TransportFailure } from '../../events/graph-operation';
import type { GraphBase, GraphEndpoint } from '../../graph/graph-endpoints';
import { recognizeOperation } from '../../graph/operation';
import { parseRequestBody } from '../../graph/request-body';
import { parseResponseBody } from '../../graph/response-body';
import { BoundedBytes } from '../../util/bounded-bytes';
import { BoundedText } from '../../util/bounded-text';
import { nowMs } from '../../util/clock';
import { decodeBody } from '../../util/content-decoding';
import { exchangeDeadlines } from './exchange-deadlines';
import type { ExpiringExchange } from './exchange-deadlines';
import { parentContextOf } from './propagated-parent';
import type { OutgoingHeaders } from './propagated-parent';

/**
 * How long an exchange may wait: for response headers (the app's own timeout is usually shorter), and
 * for the rest of a body after its headers (a body the app never reads). Mutable for tests only.
 */
export const exchangeTimeouts = { headersWaitMs: 120_000, bodyWaitMs: 10_000 };

/**
 * The response headers an exchange reads (lower-case): the body's encoding, and what the span and the
 * call signal record. Sources decode only these unless a `responseHook` wants them all — decoding
 * every header undici hands over as Buffers cost more than the rest of the exchange's bookkeeping.
 */
export const RESPONSE_HEADERS_READ: ReadonlySet<string> = new Set(['content-encoding', 'x-fb-request-id', 'x-fb-trace-id', 'facebook-api-version']);
/** The names above by length, to test a raw name before decoding it. */
const READ_NAMES_BY_LENGTH = new Map<number, string[]>();
for (const name of RESPONSE_HEADERS_READ) READ_NAMES_BY_LENGTH.set(name.length, [...(READ_NAMES_BY_LENGTH.get(name.length) ?? []), name]);

/**
 * Response headers as `name: value` strings (lower-case names, repeated names comma-joined) from
 * `[name, value, …]` — Buffers (undici 6+) or strings (5.x) — all of them, or only
 * `RESPONSE_HEADERS_READ`: then names are compared as bytes, and only their values decoded.
 */
export function responseHeaderRecord(raw: unknown, all: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(raw)) return out;
  for (let i = 0; i + 1 < raw.length && i < 400; i += 2) {
    const name = all ? String(raw[i]).toLowerCase() : readName(raw[i]);
    if (name === undefined) continue;
    const value = String(raw[i + 1]);
    out[name] = name in out ? `${out[name]}, ${value}` : value;
  }
  return out;
}

/** The `RESPONSE_HEADERS_READ` name a raw header name is (any case), if it is one. */
function readName(raw: unknown): string | undefined {
  const candidates = READ_NAMES_BY_LENGTH.get((raw as { length?: unknown } | null)?.length as number);
  if (candidates === undefined) return undefined;
  if (typeof raw === 'string') {
    const name = raw.toLowerCase();
    return candidates.includes(name) ? name : undefined;
  }
  if (!(raw instanceof Uint8Array)) return undefined;
  return candidates.find((name) => sameAsciiName(raw, name));
}

/** Bytes equal to a lower-case ASCII name, letters in either case. */
function sameAsciiName(bytes: Uint8Array, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const b = bytes[i];
    if ((b >= 0x41 && b <= 0x5a ? b | 0x20 : b) !== name.charCodeAt(i)) return false;
  }
  return true;
}

export interface ExchangeInit {
  base: GraphBase;
  endpoint: GraphEndpoint;
  method: string;
  url: string;
  parentContext: Context;
  /** The request's headers as sent (read at completion, when HTTP instrumentations have injected theirs). */
  outgoingHeaders?: OutgoingHeaders;
  maxBodyBytes: number;
  emit: GraphOperationListener;
  onError: (err: unknown) => void;
}

export class GraphExchange implements ExpiringExchange {
  private readonly startTime = nowMs();
  private lastActivity = this.startTime;
  private readonly requestText: BoundedText;
  private readonly responseBytes: BoundedBytes;
  private statusCode?: number;
  private responseHeaders: Record<string, string> = {};
  /** When the exchange stops waiting (see `arm`). */
  deadline = 0;
  done = false;
  /** The app cancelled the request (set by sources that can tell). */
  cancelledByApp = false;

  get responded(): boolean {
    return this.statusCode !== undefined;
  }

  get endpoint(): GraphEndpoint {
    return this.init.endpoint;
  }

  constructor(private readonly init: ExchangeInit) {
    this.requestText = new BoundedText(init.maxBodyBytes);
    this.responseBytes = new BoundedBytes(init.maxBodyBytes);
    this.arm(exchangeTimeouts.headersWaitMs);
  }

  addRequestChunk(chunk: unknown, encoding?: BufferEncoding): void {
    if (!this.done) this.requestText.add(chunk, encoding);
  }

  onResponseHeaders(statusCode: number, headers: Record<string, string>): void {
    if (this.done) return;
    this.statusCode = statusCode;
    this.responseHeaders = headers;
    this.lastActivity = nowMs();
    this.arm(exchangeTimeouts.bodyWaitMs);
  }

  addResponseChunk(chunk: unknown): void {
    if (this.done) return;
    this.responseBytes.add(chunk);
    this.lastActivity = nowMs();
  }

  /** The response completed. */
  complete(): void {
    this.lastActivity = nowMs();
    this.finish();
  }

  /** The exchange failed before completing; `aborted` when the app cancelled it. */
  fail(error: unknown, aborted: boolean): void {
    this.lastActivity = nowMs();
    this.finish(aborted ? undefined : toFailure(error), aborted, true);
  }

  /** Waits `ms` more at most: then the exchange ends incomplete (`expire`). */
  private arm(ms: number): void {
    exchangeDeadlines.watch(this, ms);
  }

  /** Past the deadline: ends incomplete; with no response at all, as a `timeout` failure. */
  expire(): void {
    this.finish(this.responded ? undefined : { type: 'timeout', message: 'no response before the exchange timeout' }, false, true);
  }

  private finish(failure?: TransportFailure, aborted = false, incomplete = false): void {
    if (this.done) return;
    this.done = true;
    exchangeDeadlines.unwatch(this);
    try {
      const event = this.toEvent(failure, aborted);
      if (event && incomplete) event.incomplete = true;
      if (event) this.init.emit(event);
    } catch (err) {
      this.init.onError(err);
    }
  }

  private toEvent(transportFailure: TransportFailure | undefined, aborted: boolean): GraphOperationEvent | undefined {
    const { endpoint, method, maxBodyBytes } = this.init;
    const requestBodyText = this.requestText.total ? this.requestText.toString() : undefined;
    const request = parseRequestBody(requestBodyText);
    const responseBodyText = this.responseBytes.total
      ? decodeBody(this.responseBytes.bytes(), this.responseHeaders['content-encoding'], maxBodyBytes * 4)
      : undefined;
    const response = parseResponseBody(responseBodyText);
    const operation = recognizeOperation(endpoint, method, request, response.callId);
    if (!operation) return undefined;
    return {
      kind: 'graph_operation',
      operation,
      endpoint,
      method: method.toUpperCase(),
      url: this.init.url,
      serverAddress: this.init.base.serverAddress,
      serverPort: this.init.base.serverPort,
      parentContext: parentContextOf(this.init.parentContext, this.init.outgoingHeaders),
      startTime: this.startTime,
      endTime: this.lastActivity,
      request,
      requestBodyText,
      statusCode: this.statusCode,
      responseHeaders: this.responseHeaders,
      response,
      responseBodyText,
      transportFailure,
      aborted,
    };
  }
}

function toFailure(error: unknown): TransportFailure {
  const e = error as { code?: unknown; name?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' && e.code.length <= 64 ? e.code : undefined;
  const name = typeof e?.name === 'string' && e.name.length <= 64 ? e.name : undefined;
  return { type: code ?? name ?? 'Error', message: typeof e?.message === 'string' ? e.message.slice(0, 512) : '' };
}

const ABORT_NAMES = new Set(['AbortError', 'CanceledError', 'CancelError']);
const ABORT_CODES = new Set<unknown>(['ABORT_ERR', 'UND_ERR_ABORTED', 'ERR_CANCELED', 20]);

/**
 * The app cancelled the request: AbortSignal (DOMException / Node's AbortError), undici's
 * RequestAbortedError, axios' CanceledError and got's CancelError (both `ERR_CANCELED`).
 */
export function isAbortError(error: unknown): boolean {
  const e = error as { name?: unknown; code?: unknown } | undefined;
  return ABORT_NAMES.has(e?.name as string) || ABORT_CODES.has(e?.code);
}
