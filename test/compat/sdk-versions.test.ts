/**
 * The lowest and highest `@opentelemetry/api` and `@opentelemetry/sdk-node` a user can pair with this
 * package, each in an app that installed the packed package (helpers/packed-app.ts), running the
 * compatibility apps (CommonJS and ESM) with the same traffic and contract as the registration matrix:
 *
 * - lowest: api 1.9.0 (our peer range's floor) with sdk-node 0.200.0 (SDK 2.0.0), on every Node;
 * - highest on Node 20: api 1.9.1 with sdk-node 0.223 (SDK 2.12) — the repo's own install, which the
 *   registration matrix runs; sdk-node 0.3xx needs Node >= 22.15 and api 1.10, which SDK 2.x does
 *   not accept (`>=1.3.0 <1.10.0`): an app on Node 20 that installs the latest sdk-node gets neither;
 * - highest: api 1.10.0 with sdk-node 0.301.0 (SDK 3.1), on Node >= 22.15 (Node 22 and 24 runs).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../sandbox';
import type { Sandbox } from '../../sandbox';
import { runGraphApp } from './helpers/graph-apps';
import type { AppOutput, ModuleFormat } from './helpers/graph-apps';
import { contractOf } from './helpers/contract';
import { packedApp, repoVersion } from './helpers/packed-app';
import { expectTrafficContract } from './helpers/traffic-expectations';
import { meetsNodeEngine } from './helpers/versioned-clients';

const clients = () => [`axios@${repoVersion('axios')}`, `undici@${repoVersion('undici')}`];

const LINES = [
  {
    name: 'api 1.9.0 + sdk-node 0.200.0',
    app: 'api-sdk-lowest',
    specs: ['@opentelemetry/api@1.9.0', '@opentelemetry/sdk-node@0.200.0', '@opentelemetry/sdk-trace-base@2.0.0', '@opentelemetry/sdk-metrics@2.0.0'],
    node: '>=20.6.0',
  },
  {
    name: 'api 1.10.0 + sdk-node 0.301.0',
    app: 'api-sdk-highest',
    specs: ['@opentelemetry/api@1.10.0', '@opentelemetry/sdk-node@0.301.0', '@opentelemetry/sdk-trace@3.1.0', '@opentelemetry/sdk-metrics@3.1.0'],
    node: '>=22.15.0',
  },
];
const FORMATS: ModuleFormat[] = ['cjs', 'esm'];

let sandbox: Sandbox;
let reference: Promise<AppOutput>;
const runs = new Map<string, Promise<AppOutput>>();

beforeAll(async () => {
  sandbox = await startSandbox();
  const graphUrl = sandbox.url;
  // Installs first (synchronous npm), then every app at once: at most four small processes.
  const apps = LINES.filter((l) => meetsNodeEngine(l.node)).map((l) => ({ line: l, dir: packedApp(l.app, [...l.specs, ...clients()]) }));
  reference = runGraphApp({ format: 'cjs', setup: 'alone', graphUrl });
  for (const { line, dir } of apps) {
    for (const format of FORMATS) runs.set(`${line.name} ${format}`, runGraphApp({ format, setup: 'alone', graphUrl, dir }));
  }
  for (const p of [reference, ...runs.values()]) p.catch(() => undefined); // each is awaited by its test
}, 300_000);
afterAll(() => sandbox?.close());

describe.each(LINES)('$name, packed install', (line) => {
  const supported = meetsNodeEngine(line.node);

  it.skipIf(!supported).each(FORMATS)(
    `%s app: the traffic's contract, the same as with the repo's own api ${repoVersion('@opentelemetry/api')} + sdk-node ${repoVersion('@opentelemetry/sdk-node')}`,
    async (format) => {
      const contract = contractOf(await runs.get(`${line.name} ${format}`)!);
      expectTrafficContract(contract);
      const expected = contractOf(await reference);
      expect(contract.spans).toEqual(expected.spans);
      expect(contract.metrics).toEqual(expected.metrics);
    },
    60_000,
  );
});
