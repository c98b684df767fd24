/**
 * The business app: an Express server that receives Meta's webhooks (through the instrumentation's
 * `expressWebhookMiddleware()`, mounted before the raw-body parser so the app can verify
 * `X-Hub-Signature-256` on the exact bytes) and answers user-initiated calls.
 *
 * How it answers depends on the call button the user pressed (`cta_payload`), like a contact centre
 * routing calls to queues:
 *   queue:sales       pre_accept at once, then accept when an agent picks up (Meta's recommended flow)
 *   queue:legacy-ivr  accept only, no pre_accept (an old IVR integration: clips the first second)
 *   after-hours       reject
 *   queue:overflow    nobody answers (Meta ends the call as unanswered)
 */
import express from 'express';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { APP_SECRET, VERIFY_TOKEN } from './settings.mjs';

export const ROUTES = Object.freeze({
  sales: 'queue:sales',
  legacyIvr: 'queue:legacy-ivr',
  afterHours: 'after-hours',
  overflow: 'queue:overflow',
});

/** What the app does for a call button payload (unknown payloads go to sales). */
function planFor(ctaPayload) {
  switch (ctaPayload) {
    case ROUTES.legacyIvr:
      return 'accept';
    case ROUTES.afterHours:
      return 'reject';
    case ROUTES.overflow:
      return 'ignore';
    default:
      return 'pre_accept+accept';
  }
}

function signatureOk(raw, header, secret) {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
  const got = Buffer.from(String(header ?? ''));
  return expected.length === got.length && timingSafeEqual(expected, got);
}

function callEventsOf(delivery) {
  const out = [];
  for (const entry of delivery?.entry ?? []) for (const change of entry?.changes ?? []) if (change?.field === 'calls') out.push(...(change.value?.calls ?? []));
  return out;
}

/**
 * @param {{ calling: import('../../build/src/index.js').WhatsAppCallingInstrumentation, graph: ReturnType<import('./graph-client.mjs').createGraphClient> }} deps
 */
export async function startBusinessApp({ calling, graph, appSecret = APP_SECRET }) {
  /** UIC call id → promise of what the app did (the Meta side waits on it before ending the call). */
  const reactions = new Map();
  const stats = { deliveries: 0, badSignatures: 0 };

  async function answer(call) {
    const plan = planFor(call.cta_payload);
    if (plan === 'ignore') return { plan };
    if (plan === 'reject') return { plan, result: await graph.reject(call.id) };
    if (plan === 'pre_accept+accept') {
      const pre = await graph.preAccept(call.id);
      if (!pre.ok) return { plan, result: pre };
    }
    return { plan, result: await graph.accept(call.id) };
  }

  const app = express();
  app.get('/webhooks/whatsapp', (req, res) => {
    // Meta's subscription check.
    if (req.query['hub.mode'] === 'subscribe' && req.query['hub.verify_token'] === VERIFY_TOKEN) res.send(String(req.query['hub.challenge'] ?? ''));
    else res.sendStatus(403);
  });
  app.post('/webhooks/whatsapp', calling.expressWebhookMiddleware(), express.raw({ type: '*/*', limit: '1mb' }), (req, res) => {
    stats.deliveries++;
    if (!Buffer.isBuffer(req.body) || !signatureOk(req.body, req.headers['x-hub-signature-256'], appSecret)) {
      stats.badSignatures++;
      res.sendStatus(401);
      return;
    }
    let delivery;
    try {
      delivery = JSON.parse(req.body.toString('utf8'));
    } catch {
      res.sendStatus(400);
      return;
    }
    res.sendStatus(200); // Meta retries deliveries that take over ~20 s: acknowledge first, then act.
    for (const call of callEventsOf(delivery)) {
      if (call.event === 'connect' && call.direction === 'USER_INITIATED') {
        reactions.set(
          call.id,
          answer(call).catch((err) => ({ error: String(err) })),
        );
      }
      // A BIC connect carries Meta's SDP answer: a real app applies it to its media stack here.
    }
  });

  const server = await new Promise((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address();

  return {
    webhookUrl: `http://127.0.0.1:${port}/webhooks/whatsapp`,
    stats,
    placeCall: (to, opts) => graph.connect(to, opts),
    hangUp: (callId, opts) => graph.terminate(callId, opts),
    checkPermission: (user, opts) => graph.permissions(user, opts),
    /** What the app did about a user-initiated call (resolves once its Graph requests are done). */
    async reactionTo(callId) {
      const r = reactions.get(callId);
      reactions.delete(callId);
      return r ? r : { plan: 'none' };
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
