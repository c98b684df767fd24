/**
 * Faults: webhook bodies that are not objects (null, arrays, numbers, strings, booleans, garbage
 * bytes, broken JSON) and 5 MB bodies, through expressWebhookMiddleware (after and before
 * express.json(), before express.raw(), after express.text()) and fastifyWebhookHook. With the
 * instrumentation disabled and enabled, the app's handler gets the same body and the sender the same
 * response; nothing is thrown or left unhandled, and the observer logs no internal error.
 */
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { createHash } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../sandbox';
import type { Sandbox } from '../sandbox';
import { watchProcess } from './helpers/faults/process-watch';
import { startEchoApps } from './helpers/faults/webhook-echo-apps';
import type { EchoApps } from './helpers/faults/webhook-echo-apps';
import { createHarness } from './helpers/otel-harness';

const FIVE_MB = 5 * 1024 * 1024;
const harness = createHarness({ callSettleMs: 0 });
const watch = watchProcess();
const internalErrors: string[] = [];
diag.setLogger(
  { error: (...a: unknown[]) => internalErrors.push(a.map(String).join(' ')), warn: () => {}, info: () => {}, debug: () => {}, verbose: () => {} },
  DiagLogLevel.ERROR,
);
let apps: EchoApps;
let sandbox: Sandbox;

beforeAll(async () => {
  apps = await startEchoApps(harness.instrumentation);
  sandbox = await startSandbox();
});
afterAll(async () => {
  watch.stop();
  await apps.close();
  await sandbox.close();
});

/** Deterministic garbage: bytes of a hash chain. */
function garbage(n: number): Buffer {
  const out = Buffer.alloc(n);
  let block = createHash('sha256').update('seed').digest();
  for (let i = 0; i < n; i += 32) {
    block.copy(out, i);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

const bigWebhook = (callId: string) => {
  const delivery = sandbox.webhooks.connect({ callId, direction: 'USER_INITIATED', user: '14085551234' }) as unknown as Record<string, unknown>;
  return Buffer.from(JSON.stringify({ ...delivery, padding: 'p'.repeat(FIVE_MB) }));
};

const JSON_TYPE = 'application/json';
const bodies: [string, () => Buffer, string][] = [
  ['null', () => Buffer.from('null'), JSON_TYPE],
  ['an array', () => Buffer.from('[1,"two",{"entry":[{"changes":[]}]},null]'), JSON_TYPE],
  ['a number', () => Buffer.from('42'), JSON_TYPE],
  ['a string', () => Buffer.from('"wacid.NOT-AN-OBJECT"'), JSON_TYPE],
  ['a boolean', () => Buffer.from('true'), JSON_TYPE],
  ['an object of the wrong shape', () => Buffer.from('{"object":"whatsapp_business_account","entry":"nope"}'), JSON_TYPE],
  ['broken JSON', () => Buffer.from('{"object":"whatsapp_business_account","entry":[{'), JSON_TYPE],
  ['garbage bytes', () => garbage(4096), 'application/octet-stream'],
  ['garbage bytes labelled JSON', () => garbage(4096), JSON_TYPE],
  ['5 MB of garbage', () => garbage(FIVE_MB), 'application/octet-stream'],
  ['a 5 MB webhook', () => bigWebhook('wacid.FIVE_MB'), JSON_TYPE],
];

async function deliver(url: string, body: Buffer, contentType: string) {
  const res = await request(url, { method: 'POST', body, headers: { 'content-type': contentType } });
  return { status: res.statusCode, body: await res.body.text() };
}

describe.each(bodies)('a webhook body that is %s', (_name, make, contentType) => {
  let body: Buffer | undefined;
  it.each(['express: after express.json()', 'express: before express.json()', 'express: before express.raw()', 'express: after express.text()', 'fastify'])(
    'reaches the app (%s) exactly as without the instrumentation',
    async (route) => {
      const url = apps.routes[route];
      body ??= make();
      harness.instrumentation.disable();
      const without = await deliver(url, body, contentType);
      harness.instrumentation.enable();
      internalErrors.length = 0;
      const withIt = await deliver(url, body, contentType);
      expect(withIt).toEqual(without);
      expect(watch.problems).toEqual([]);
      expect(internalErrors).toEqual([]);
    },
  );
});

it('still observes a 5 MB webhook the app parsed (the body parser, not our bound, sets the limit)', async () => {
  harness.instrumentation.enable();
  const res = await deliver(apps.routes['express: after express.json()'], bigWebhook('wacid.BIG_PARSED'), JSON_TYPE);
  expect(res.status).toBe(200);
  expect(harness.instrumentation.callPath.tracker.follows('wacid.BIG_PARSED')).toBe(true);
});
