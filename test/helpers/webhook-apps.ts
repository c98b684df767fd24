/**
 * Real webhook receivers the way our users write them: Express (parsed JSON route, and a raw-body
 * route that verifies X-Hub-Signature-256 before parsing) and Fastify, each with our observer.
 */
import express from 'express';
import Fastify from 'fastify';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import type { WhatsAppCallingInstrumentation } from '../../src';

export const APP_SECRET = 'sandbox-app-secret';

export interface WebhookApps {
  expressJsonUrl: string;
  expressRawUrl: string;
  fastifyUrl: string;
  /** Deliveries each handler saw (proves the app still gets the body). */
  handled: { route: string; signatureOk?: boolean; entries: number }[];
  /** Called inside each handler (to look at the active context there). */
  onHandled?: (route: string) => void;
  close(): Promise<void>;
}

export async function startWebhookApps(calling: WhatsAppCallingInstrumentation): Promise<WebhookApps> {
  const handled: WebhookApps['handled'] = [];
  const app = express();
  app.post('/webhook/json', express.json(), calling.expressWebhookMiddleware(), (req: express.Request, res: express.Response) => {
    handled.push({ route: 'express-json', entries: (req.body as { entry: unknown[] }).entry.length });
    apps.onHandled?.('express-json');
    res.sendStatus(200);
  });
  // Raw-body path: our middleware runs before any body parser; the app reads and verifies the bytes.
  app.post('/webhook/raw', calling.expressWebhookMiddleware(), express.raw({ type: '*/*' }), (req: express.Request, res: express.Response) => {
    const raw = req.body as Buffer;
    const expected = Buffer.from(`sha256=${createHmac('sha256', APP_SECRET).update(raw).digest('hex')}`);
    const got = Buffer.from(String(req.headers['x-hub-signature-256']));
    const signatureOk = expected.length === got.length && timingSafeEqual(expected, got);
    handled.push({ route: 'express-raw', signatureOk, entries: JSON.parse(raw.toString()).entry.length });
    res.sendStatus(signatureOk ? 200 : 401);
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const fastify = Fastify();
  fastify.post('/webhook', { preHandler: calling.fastifyWebhookHook() }, async (request) => {
    handled.push({ route: 'fastify', entries: (request.body as { entry: unknown[] }).entry.length });
    apps.onHandled?.('fastify');
    return 'ok';
  });
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  const port = (server.address() as { port: number }).port;
  const fport = (fastify.server.address() as { port: number }).port;
  const apps: WebhookApps = {
    expressJsonUrl: `http://127.0.0.1:${port}/webhook/json`,
    expressRawUrl: `http://127.0.0.1:${port}/webhook/raw`,
    fastifyUrl: `http://127.0.0.1:${fport}/webhook`,
    handled,
    close: async () => {
      await fastify.close();
      await new Promise((r) => server.close(r));
    },
  };
  return apps;
}
