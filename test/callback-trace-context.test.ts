/**
 * W3C trace context in `biz_opaque_callback_data` (opt-in): added to connect/accept bodies without
 * their own value, echoed by Meta in webhooks, and continued by the webhook middleware.
 */
import { context, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../sandbox';
import type { Sandbox } from '../sandbox';
import type { ClientName } from './helpers/clients';
import { send } from './helpers/clients';
import { createHarness } from './helpers/otel-harness';
import { APP_SECRET, startWebhookApps } from './helpers/webhook-apps';
import type { WebhookApps } from './helpers/webhook-apps';

const PHONE = '106540352242922';
const harness = createHarness();
let sb: Sandbox;
let apps: WebhookApps;
const tracer = trace.getTracer('app');

beforeAll(async () => {
  sb = await startSandbox();
  apps = await startWebhookApps(harness.instrumentation);
});
afterAll(async () => {
  await apps.close();
  await sb.close();
});
beforeEach(() => harness.instrumentation.setConfig({ graphApiBaseUrls: [sb.url], traceContextInCallbackData: true }));

const body = (extra: object) =>
  JSON.stringify({ messaging_product: 'whatsapp', to: '14085551234', action: 'connect', session: { sdp_type: 'offer', sdp: 'v=0' }, ...extra });
async function sentInSpan(client: ClientName, payload: string): Promise<{ sent: Record<string, unknown>; traceparent: string }> {
  return tracer.startActiveSpan('app', async (span) => {
    const res = await send(client, { method: 'POST', url: `${sb.url}/v23.0/${PHONE}/calls`, body: payload });
    expect(res.status).toBe(200);
    span.end();
    const sc = span.spanContext();
    return { sent: sb.requests.at(-1)!.json!, traceparent: `00-${sc.traceId}-${sc.spanId}-01` };
  });
}

describe('adding the trace context to requests', () => {
  it.each(['node:http(s)', 'axios', 'got', 'undici.request'] as ClientName[])(
    '%s: adds the active traceparent to a connect without callback data',
    async (client) => {
      const { sent, traceparent } = await sentInSpan(client, body({}));
      expect(sent.biz_opaque_callback_data).toBe(traceparent);
      expect(sent.to).toBe('14085551234');
    },
  );

  it("never overwrites the app's own value, and leaves other actions and fetch bodies alone", async () => {
    expect((await sentInSpan('axios', body({ biz_opaque_callback_data: 'order-42' }))).sent.biz_opaque_callback_data).toBe('order-42');
    const terminate = JSON.stringify({ messaging_product: 'whatsapp', action: 'terminate', call_id: 'wacid.T' });
    await sentInSpan('axios', terminate);
    expect(sb.requests.at(-1)!.body).toBe(terminate);
    const fetched = body({});
    await sentInSpan('fetch', fetched);
    expect(sb.requests.at(-1)!.body).toBe(fetched);
  });

  it('changes nothing when the option is off', async () => {
    harness.instrumentation.setConfig({ graphApiBaseUrls: [sb.url] });
    const payload = body({});
    await sentInSpan('axios', payload);
    expect(sb.requests.at(-1)!.body).toBe(payload);
  });

  it('offers the value to apps that build bodies themselves', () => {
    expect(harness.instrumentation.callbackDataWithTraceContext('mine')).toBe('mine');
    expect(harness.instrumentation.callbackDataWithTraceContext()).toBeUndefined();
    tracer.startActiveSpan('app', (span) => {
      expect(harness.instrumentation.callbackDataWithTraceContext()).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
      span.end();
    });
  });
});

describe('continuing the trace on the webhook side', () => {
  it('runs the Express and Fastify handlers in the trace that placed the call', async () => {
    const { sent, traceparent } = await sentInSpan('axios', body({}));
    const placed = JSON.parse(sb.requests.at(-1)!.responseBody).calls[0].id as string;
    const seen: string[] = [];
    const hook = (_span: unknown) => seen.push(trace.getSpanContext(context.active())?.traceId ?? 'none');
    apps.onHandled = hook;
    for (const url of [apps.expressJsonUrl, apps.fastifyUrl]) {
      const res = await sb.webhooks.send(
        url,
        sb.webhooks.status({ callId: placed, status: 'RINGING', bizOpaqueCallbackData: sent.biz_opaque_callback_data as string }),
        { appSecret: APP_SECRET },
      );
      expect(res.status).toBe(200);
    }
    expect(seen).toEqual([traceparent.split('-')[1], traceparent.split('-')[1]]);
  });
});
