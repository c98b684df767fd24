/**
 * Faults: a `requestHook` and a `responseHook` that throw — an Error, a non-Error value, or (an async
 * hook) a rejected promise. The app's requests to the Cloud API sandbox see exactly what they see
 * without the instrumentation, nothing reaches the process as unhandled, every operation span still
 * ends with its attributes, and each failure is logged through diag.
 */
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../sandbox';
import type { Sandbox } from '../sandbox';
import type { WhatsAppCallingInstrumentationConfig } from '../src';
import { appView } from './helpers/faults/app-view';
import type { FaultClient } from './helpers/faults/app-view';
import { watchProcess } from './helpers/faults/process-watch';
import { createHarness, eventually } from './helpers/otel-harness';

const PHONE = '106540352242922';
const CLIENTS: FaultClient[] = ['fetch', 'undici.request', 'node:http', 'axios'];
const harness = createHarness();
const watch = watchProcess();
const logged: string[] = [];
const record = (...args: unknown[]) => logged.push(args.map(String).join(' '));
diag.setLogger({ error: record, warn: record, info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  watch.stop();
  await sandbox.close();
});

const blankIds = (body: Buffer) => Buffer.from(body.toString('utf8').replace(/wacid\.[A-Za-z0-9_-]+/g, 'wacid.X'));

type Hooks = Pick<WhatsAppCallingInstrumentationConfig, 'requestHook' | 'responseHook'>;
const throwing: [string, Hooks][] = [
  [
    'throw an Error',
    {
      requestHook: () => {
        throw new Error('request hook bug');
      },
      responseHook: () => {
        throw new Error('response hook bug');
      },
    },
  ],
  // Hooks throwing a string and undefined are the fault under test.
  [
    'throw a non-Error value',
    {
      requestHook: () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a non-Error throw is the fault under test
        throw 'request hook string';
      },
      responseHook: () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a non-Error throw is the fault under test
        throw undefined;
      },
    },
  ],
  [
    'are async and reject',
    {
      // eslint-disable-next-line @typescript-eslint/no-misused-promises -- an async hook where a sync one is typed, rejecting, is the fault under test
      requestHook: async () => {
        throw new Error('async request hook bug');
      },
      // eslint-disable-next-line @typescript-eslint/no-misused-promises -- an async hook where a sync one is typed, rejecting, is the fault under test
      responseHook: async () => {
        throw new Error('async response hook bug');
      },
    },
  ],
];

describe.each(throwing)('hooks that %s', (_name, hooks) => {
  it.each(CLIENTS)("leave %s's exchange unchanged, end the span and reach the process as nothing", async (client) => {
    const url = `${sandbox.url}/v23.0/${PHONE}/calls`;
    harness.instrumentation.setConfig({ graphApiBaseUrls: [sandbox.url], ...hooks });
    harness.instrumentation.disable();
    const without = await appView(client, url, 10_000, undefined, blankIds);
    harness.instrumentation.enable();
    harness.reset();
    logged.length = 0;
    const withIt = await appView(client, url, 10_000, undefined, blankIds);
    expect(withIt).toEqual(without);
    expect(withIt.status).toBe(200);
    const span = await eventually(() => harness.whatsappSpans()[0]);
    expect(span.name).toBe('whatsapp calls.connect');
    expect(span.attributes).toMatchObject({ 'http.response.status_code': 200, 'whatsapp.operation': 'calls.connect' });
    expect(span.attributes['whatsapp.call.id']).toMatch(/^wacid\./);
    await new Promise((r) => setTimeout(r, 20)); // an async hook's rejection surfaces on a later tick
    expect(watch.problems).toEqual([]);
    if (!/non-Error/.test(_name)) {
      expect(logged.filter((m) => /requestHook failed/.test(m))).toHaveLength(1);
      expect(logged.filter((m) => /responseHook failed/.test(m))).toHaveLength(1);
    }
  });
});
