/** What the demo added to the Cloud API sandbox: bounded request recording and Meta-style call ids. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newCallId, startSandbox } from '../sandbox';
import type { Sandbox } from '../sandbox';

describe('sandbox options used by the demo', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ maxRecordedRequests: 2 });
  });
  afterAll(() => sandbox.close());

  it('keeps only the last maxRecordedRequests exchanges', async () => {
    for (const user of ['1', '2', '3']) await fetch(`${sandbox.url}/v23.0/106540352242922/call_permissions?user_wa_id=1408555000${user}`);
    expect(sandbox.requests.map((r) => r.path)).toEqual([
      '/v23.0/106540352242922/call_permissions?user_wa_id=14085550002',
      '/v23.0/106540352242922/call_permissions?user_wa_id=14085550003',
    ]);
  });

  it('makes wacid call ids for calls Meta announces by webhook, which the app can then act on', async () => {
    const ids = new Set(Array.from({ length: 50 }, () => newCallId()));
    expect(ids.size).toBe(50);
    const [callId] = ids;
    expect(callId).toMatch(/^wacid\.HBgL[\w-]{32}$/);
    sandbox.webhooks.connect({ callId, direction: 'USER_INITIATED', user: '14085550001' });
    expect(sandbox.activeCalls('106540352242922')).toBe(1);
    const res = await fetch(`${sandbox.url}/v23.0/106540352242922/calls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messaging_product: 'whatsapp', action: 'reject', call_id: callId }),
    });
    expect(res.status).toBe(200);
    expect(sandbox.activeCalls('106540352242922')).toBe(0);
  });
});
