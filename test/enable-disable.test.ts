/**
 * Enabling twice, or disabling and enabling again, leaves exactly one set of hooks: one span, one
 * duration point per request, whatever the client; disabled means nothing at all is recorded.
 */
import * as diagch from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../sandbox';
import type { Sandbox } from '../sandbox';
import { send } from './helpers/clients';
import { CLIENT_NAMES } from './helpers/clients';
import type { ClientName } from './helpers/clients';
import { countOf, createHarness, eventually } from './helpers/otel-harness';

const harness = createHarness();
let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox();
  harness.instrumentation.setConfig({ graphApiBaseUrls: [sb.url] });
});
afterAll(() => sb.close());

const CLIENTS: ClientName[] = CLIENT_NAMES;
const accept = (client: ClientName, i: number) =>
  send(client, {
    method: 'POST',
    url: `${sb.url}/v23.0/106540352242922/calls`,
    body: JSON.stringify({ messaging_product: 'whatsapp', action: 'accept', call_id: `wacid.toggle-${client}-${i}` }),
  });
const durationCount = async () => countOf(await harness.metric('whatsapp.calling.operation.duration'), { 'whatsapp.operation': 'calls.accept' });

describe('enable and disable', () => {
  it('records each request exactly once after repeated enable() and disable()/enable() cycles', async () => {
    const inst = harness.instrumentation;
    inst.enable();
    inst.enable();
    for (let i = 0; i < 3; i++) {
      inst.disable();
      inst.enable();
    }
    harness.reset();
    const before = await durationCount();
    for (const [i, client] of CLIENTS.entries()) await accept(client, i);
    const spans = await eventually(() => {
      const found = harness.whatsappSpans().filter((s) => s.name === 'whatsapp calls.accept');
      return found.length >= CLIENTS.length && found;
    });
    await new Promise((r) => setTimeout(r, 50)); // a duplicated hook would add its span by now
    expect(harness.whatsappSpans().filter((s) => s.name === 'whatsapp calls.accept')).toHaveLength(CLIENTS.length);
    expect(new Set(spans.map((s) => s.attributes['whatsapp.call.id'])).size).toBe(CLIENTS.length);
    expect((await durationCount()) - before).toBe(CLIENTS.length);
  });

  it('records nothing while disabled, from any client', async () => {
    harness.instrumentation.disable();
    harness.reset();
    const before = await durationCount();
    for (const [i, client] of CLIENTS.entries()) await accept(client, 100 + i);
    await new Promise((r) => setTimeout(r, 50));
    expect(harness.whatsappSpans()).toHaveLength(0);
    expect((await durationCount()) - before).toBe(0);
    harness.instrumentation.enable();
  });

  it('subscribes to undici only for request creation: no message is built for the response or failure of every request', () => {
    const subscribed = () =>
      Object.fromEntries(['create', 'headers', 'trailers', 'error'].map((n) => [n, diagch.channel(`undici:request:${n}`).hasSubscribers]));
    harness.instrumentation.enable();
    expect(subscribed()).toEqual({ create: true, headers: false, trailers: false, error: false });
    harness.instrumentation.disable();
    expect(subscribed()).toEqual({ create: false, headers: false, trailers: false, error: false });
    harness.instrumentation.enable();
  });
});
