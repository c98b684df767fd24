/**
 * Ready-made webhook middleware. Both only observe: they never read a stream the app needs, never
 * touch the response, and always hand over to the app's handler, even if observation fails.
 * - Express: works after `express.json()` (parsed body), after `express.raw()`/`text()` (Buffer or
 *   string), and before any body parser (it copies the request stream's `'data'` passively as the
 *   app's own handler reads it, the raw-body path apps use for signature checks).
 * - Fastify: a `preHandler` hook; the body is whatever the content-type parser made of it.
 */
import type { Context } from '@opentelemetry/api';
import { context } from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';
import { BoundedBytes } from '../util/bounded-bytes';

export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

export interface WebhookObserver {
  /** Observes a delivery; returns the trace context to continue, if the delivery carries one. */
  observe(body: unknown, headers?: Record<string, unknown>): Context | undefined;
}

type Next = () => void;

export function expressMiddleware(observer: WebhookObserver) {
  return function whatsappWebhookObserver(req: IncomingMessage & { body?: unknown }, _res: unknown, next: Next): void {
    let ctx: Context | undefined;
    try {
      if (hasBody(req.body)) {
        ctx = observer.observe(req.body, req.headers);
      } else if (req.method === 'POST' && !req.readableEnded) {
        tapRequestStream(req, (raw) => observer.observe(raw, req.headers));
      }
    } catch {
      // observation must never disturb the webhook
    }
    if (ctx) context.with(ctx, next);
    else next();
  };
}

export function fastifyPreHandler(observer: WebhookObserver) {
  return function whatsappWebhookObserver(request: { body?: unknown; headers?: Record<string, unknown> }, _reply: unknown, done: Next): void {
    let ctx: Context | undefined;
    try {
      ctx = observer.observe(request.body, request.headers);
    } catch {
      // never disturb the webhook
    }
    if (ctx) context.with(ctx, () => done());
    else done();
  };
}

/**
 * A body parser ran and produced something. Express 4's body-parser leaves `{}` when the content type
 * didn't match, which means "not parsed" here: the stream is then still unread.
 */
function hasBody(body: unknown): boolean {
  if (body === undefined || body === null) return false;
  if (Buffer.isBuffer(body) || typeof body !== 'object') return true;
  return Object.keys(body).length > 0;
}

/** Copies the bytes the app itself reads from the request stream; observes them at `'end'`. */
function tapRequestStream(req: IncomingMessage, onBody: (raw: Buffer) => void): void {
  const bytes = new BoundedBytes(MAX_WEBHOOK_BODY_BYTES);
  const originalEmit = req.emit;
  req.emit = function (this: IncomingMessage, event: string | symbol, ...args: unknown[]) {
    try {
      if (event === 'data') bytes.add(args[0]);
      else if (event === 'end' && !bytes.truncated) onBody(bytes.bytes());
    } catch {
      // never disturb the app's stream
    }
    return originalEmit.apply(this, [event, ...args] as Parameters<typeof originalEmit>);
  } as typeof req.emit;
}
