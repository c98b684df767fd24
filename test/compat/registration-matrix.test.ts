/**
 * The compatibility matrix: a CommonJS and an ESM app make the same Graph traffic (connect, accept
 * with SDP, terminate, one Meta error) with fetch, axios (node:http) and undici, with this
 * instrumentation registered alone, before instrumentation-undici and instrumentation-http, after
 * them, and after the app already imported its HTTP clients. Every cell must record the same
 * WhatsApp spans (names, kinds, attributes, status, parent = the app's span, call-span links) and
 * the same metric points. `npm test` runs it on Node 20, 22 and 24 (scripts/test-on-node.mjs); the
 * apps run on the test's own Node binary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../sandbox';
import type { Sandbox } from '../../sandbox';
import { runGraphApp, runLimited } from './helpers/graph-apps';
import type { AppOutput, ModuleFormat, Setup } from './helpers/graph-apps';
import { appSpan, contractOf, httpClientSpans, ourSpans } from './helpers/contract';
import { expectTrafficContract } from './helpers/traffic-expectations';

const FORMATS: ModuleFormat[] = ['cjs', 'esm'];
const SETUPS: Setup[] = ['alone', 'ours-first', 'ours-last', 'after-import'];
const CELLS = FORMATS.flatMap((format) => SETUPS.map((setup) => ({ format, setup, name: `${format} / ${setup}` })));

let sandbox: Sandbox;
let cells: Map<string, Promise<AppOutput>>;

beforeAll(async () => {
  sandbox = await startSandbox();
  const graphUrl = sandbox.url;
  // The CommonJS cells also run the traffic again outside any app span (a script calling the Graph
  // API): the parent then comes from whichever HTTP instrumentation propagated a context, if any.
  const jobs = CELLS.map((c) => () => runGraphApp({ format: c.format, setup: c.setup, graphUrl, alsoNoAppSpan: c.format === 'cjs' }));
  // Two at a time: the machine has two cores and vitest runs other files beside this one.
  const runs = runLimited(jobs, 2);
  cells = new Map(CELLS.map((c, i) => [c.name, runs[i]]));
});
afterAll(() => sandbox?.close());

describe('the same WhatsApp span and metric contract in every cell', () => {
  it('cjs / alone (the reference) records the contract of the traffic', async () => {
    expectTrafficContract(contractOf(await cells.get('cjs / alone')!));
  }, 60_000);

  it.each(CELLS.filter((c) => c.name !== 'cjs / alone'))(
    '$name records exactly the reference contract',
    async ({ name }) => {
      const reference = contractOf(await cells.get('cjs / alone')!);
      const contract = contractOf(await cells.get(name)!);
      expect(contract.spans).toEqual(reference.spans);
      expect(contract.metrics).toEqual(reference.metrics);
    },
    60_000,
  );
});

describe('beside instrumentation-undici and instrumentation-http', () => {
  const withCompanions = CELLS.filter((c) => c.setup !== 'alone');

  it.each(withCompanions)(
    '$name: their HTTP client spans are siblings of ours, in the app trace',
    async ({ name, setup }) => {
      const out = await cells.get(name)!;
      const app = appSpan(out)!;
      const clientSpans = httpClientSpans(out);
      // fetch and undici.request: instrumentation-undici, always. axios: instrumentation-http, which
      // patches node:http only for requires after it registered — not in an app that loaded axios first.
      expect(clientSpans.filter((s) => s.scope === '@opentelemetry/instrumentation-undici')).toHaveLength(2);
      if (setup !== 'after-import') expect(clientSpans.filter((s) => s.scope === '@opentelemetry/instrumentation-http')).toHaveLength(2);
      for (const s of clientSpans) {
        expect(s.traceId).toBe(app.traceId);
        expect(s.parentSpanId).toBe(app.spanId);
      }
    },
    60_000,
  );
});

describe('outside any app span (CommonJS cells)', () => {
  it.each(['ours-first', 'ours-last', 'after-import'] as Setup[])(
    '%s: each WhatsApp operation span is a child of an HTTP client span when one was made',
    async (setup) => {
      const run = (await cells.get(`cjs / ${setup}`)!).noAppSpan!;
      const operations = contractOf(run).spans.filter((s) => s.name !== 'whatsapp call');
      expect(operations).toHaveLength(4);
      const clientParents = setup === 'after-import' ? 2 : 4; // see above: no axios client spans then
      expect(operations.filter((s) => s.parent === 'http client span')).toHaveLength(clientParents);
      expect(operations.filter((s) => s.parent === 'none')).toHaveLength(4 - clientParents);
    },
    60_000,
  );

  it('alone: each WhatsApp operation span is a root (no HTTP instrumentation propagated a context)', async () => {
    const run = (await cells.get('cjs / alone')!).noAppSpan!;
    const operations = ourSpans(run).filter((s) => s.name !== 'whatsapp call');
    expect(operations).toHaveLength(4);
    expect(operations.every((s) => s.parentSpanId === undefined)).toBe(true);
    expect(new Set(operations.map((s) => s.traceId)).size).toBe(4);
  }, 60_000);
});
