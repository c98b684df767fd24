/**
 * The multi-instance harness: three processes of the sample business app sharing the Graph API
 * sandbox, driven over their control APIs, receiving signed webhooks. Without a shared store each
 * instance only knows what it saw itself — this file documents that per-instance behaviour (the
 * cross-instance assertions live with the Redis store's tests).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../sandbox';
import type { Sandbox } from '../sandbox';
import { metricTotal, runningInstancePids, spansNamed, startInstances, waitFor } from './helpers/instances';
import type { Instance, Instances } from './helpers/instances';

const PHONE = '106540352242922';
const USER = '14085551234';
const SDP = 'v=0\r\n';

let sandbox: Sandbox;
let fleet: Instances;
let i1: Instance;
let i2: Instance;
let i3: Instance;

beforeAll(async () => {
  sandbox = await startSandbox();
  fleet = await startInstances(3, { sandboxUrl: sandbox.url });
  [i1, i2, i3] = fleet.instances;
});
afterAll(async () => {
  await fleet?.close();
  await sandbox?.close();
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('startInstances', () => {
  it('starts each instance in its own process on its own loopback port', () => {
    expect(new Set(fleet.instances.map((i) => i.pid)).size).toBe(3);
    expect(new Set(fleet.instances.map((i) => i.url)).size).toBe(3);
    for (const i of fleet.instances) expect(i.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(fleet.instances.map((i) => i.name)).toEqual(['instance-1', 'instance-2', 'instance-3']);
  });

  it('delivers webhooks signed like Meta; the app refuses a wrong signature', async () => {
    const d = sandbox.webhooks.status({ callId: 'wacid.signature-probe', status: 'RINGING' });
    expect((await i2.deliver(d)).status).toBe(200);
    expect((await i2.deliver(d, { appSecret: 'not-the-app-secret' })).status).toBe(401);
    expect(await i2.stats()).toMatchObject({ webhooks: 1, rejectedWebhooks: 1 });
  });

  it('fails with the app output, and leaves no process behind, when an instance cannot start', async () => {
    const before = runningInstancePids();
    await expect(startInstances(2, { sandboxUrl: '' })).rejects.toThrow(/SANDBOX_URL is required/);
    expect(runningInstancePids()).toEqual(before);
  });
});

describe('one business-initiated call across three instances, without a shared store', () => {
  let wacid: string;
  beforeAll(async () => {
    // Instance 1 places the call; Meta's webhooks for it land on instance 3 (the load balancer's choice).
    const placed = await i1.graph(PHONE, { action: 'connect', to: USER, session: { sdp_type: 'offer', sdp: SDP } });
    expect(placed.status).toBe(200);
    wacid = placed.body.calls[0].id;
    const t = Math.floor(Date.now() / 1000);
    expect((await i3.deliver(sandbox.webhooks.connect({ callId: wacid, direction: 'BUSINESS_INITIATED', user: USER, timestamp: t }))).status).toBe(200);
    expect(
      (await i3.deliver(sandbox.webhooks.terminate({ callId: wacid, direction: 'BUSINESS_INITIATED', user: USER, durationS: 42, timestamp: t + 45 }))).status,
    ).toBe(200);
    await Promise.all(fleet.instances.map((i) => i.flush()));
  });

  it('instance 1 exported the connect request span with the call id Meta returned', async () => {
    const connect = spansNamed(await i1.spans(), 'whatsapp calls.connect');
    expect(connect).toHaveLength(1);
    expect(connect[0].attributes).toMatchObject({ 'whatsapp.call.id': wacid, 'whatsapp.phone_number_id': PHONE });
    const ops = await i1.metrics();
    expect(metricTotal(ops, 'whatsapp.calling.operation.duration', { 'whatsapp.operation': 'calls.connect' })).toBe(1);
  });

  it('instance 1 never saw the terminate: its call is still live there and ended nowhere', async () => {
    expect(spansNamed(await i1.spans(), 'whatsapp call', wacid)).toEqual([]);
    const m = await i1.metrics();
    expect(metricTotal(m, 'whatsapp.calling.calls.active', { 'whatsapp.phone_number_id': PHONE })).toBe(1);
    expect(metricTotal(m, 'whatsapp.calling.calls')).toBe(0);
  });

  it('instance 3 ended the call from the webhooks alone: a call span without the connect request', async () => {
    const [call] = await waitFor(i3, (spans) => {
      const found = spansNamed(spans, 'whatsapp call', wacid);
      return found.length ? found : undefined;
    });
    expect(call.attributes).toMatchObject({ 'whatsapp.call.id': wacid, 'whatsapp.call.status': 'completed', 'whatsapp.call.direction': 'business_initiated' });
    const events = call.events.map((e) => e.name);
    expect(events).toContain('whatsapp.webhook.terminate');
    expect(events).not.toContain('whatsapp.graph_api.connect');
    expect(spansNamed(await i3.spans(), 'whatsapp calls.connect')).toEqual([]);
    const m = await i3.metrics();
    expect(metricTotal(m, 'whatsapp.calling.calls', { 'whatsapp.call.status': 'completed' })).toBe(1);
    expect(metricTotal(m, 'whatsapp.calling.calls.active', { 'whatsapp.phone_number_id': PHONE })).toBe(0);
  });

  it('instance 2 saw nothing of the call', async () => {
    const spans = await i2.spans();
    expect(spans.filter((s) => s.attributes['whatsapp.call.id'] === wacid)).toEqual([]);
    expect(metricTotal(await i2.metrics(), 'whatsapp.calling.calls')).toBe(0);
  });
});

describe('close()', () => {
  it('shuts every instance down and leaves no process behind', async () => {
    const extra = await startInstances(2, { sandboxUrl: sandbox.url });
    const pids = extra.instances.map((i) => i.pid);
    expect(pids.every(alive)).toBe(true);
    await extra.close();
    expect(pids.filter(alive)).toEqual([]);
    expect(runningInstancePids().sort()).toEqual(fleet.instances.map((i) => i.pid).sort());
  });
});
