/**
 * Webhook receivers whose handler answers with what it received (type, Buffer or not, length and
 * digest of the body), so a test can compare what the app got with and without our observer:
 * Express with the observer after express.json(), before express.json(), before express.raw(), after
 * express.text(); Fastify with the preHandler hook (JSON, and a Buffer parser for octet-stream).
 * Parse errors go through an app error handler that reports them (type and status), like real apps.
 */
import express from 'express';
import Fastify from 'fastify';
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { WhatsAppCallingInstrumentation } from '../../../src';

export const BODY_LIMIT = 10 * 1024 * 1024;

export interface EchoApps {
  routes: Record<string, string>;
  close(): Promise<void>;
}

/** What the handler saw of the body. */
export function describeBody(body: unknown): Record<string, unknown> {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body) ?? 'undefined');
  return {
    type: body === null ? 'null' : Array.isArray(body) ? 'array' : typeof body,
    buffer: Buffer.isBuffer(body),
    length: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex').slice(0, 16),
  };
}

export async function startEchoApps(calling: WhatsAppCallingInstrumentation): Promise<EchoApps> {
  const app = express();
  const json = express.json({ strict: false, limit: BODY_LIMIT, type: ['application/json'] });
  const echo = (req: express.Request, res: express.Response) => {
    res.status(200).json(describeBody(req.body));
  };
  const observe = () => calling.expressWebhookMiddleware();
  app.post('/after-json', json, observe(), echo);
  app.post('/before-json', observe(), json, echo);
  app.post('/before-raw', observe(), express.raw({ type: '*/*', limit: BODY_LIMIT }), echo);
  app.post('/after-text', express.text({ type: '*/*', limit: BODY_LIMIT }), observe(), echo);
  app.use(
    (err: { status?: number; type?: string; name?: string; message?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(err.status ?? 500).json({ error: err.type ?? err.name, message: err.message });
    },
  );
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });

  const fastify = Fastify({ bodyLimit: BODY_LIMIT });
  fastify.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  fastify.post('/webhook', { preHandler: calling.fastifyWebhookHook() }, async (request) => describeBody(request.body));
  await fastify.listen({ port: 0, host: '127.0.0.1' });

  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const fbase = `http://127.0.0.1:${(fastify.server.address() as { port: number }).port}`;
  return {
    routes: {
      'express: after express.json()': `${base}/after-json`,
      'express: before express.json()': `${base}/before-json`,
      'express: before express.raw()': `${base}/before-raw`,
      'express: after express.text()': `${base}/after-text`,
      fastify: `${fbase}/webhook`,
    },
    close: async () => {
      await fastify.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
