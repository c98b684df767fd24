/**
 * Runs the compatibility apps (test/compat/fixtures/graph-app.{cjs,mjs}) as child processes of the
 * current Node binary (process.execPath: scripts/test-on-node.mjs reruns the suite on Node 22 and 24)
 * against a sandbox of the test process, and parses what they print. Bounded: an app that outlives
 * its timeout is killed; every child is killed if the test process exits first.
 */
import * as path from 'node:path';
import { spawnTracked } from '../../helpers/child-processes';

export const FIXTURES = path.resolve(__dirname, '../fixtures');
export const REPO_ROOT = path.resolve(__dirname, '../../..');

export type ModuleFormat = 'cjs' | 'esm';
export type Setup = 'alone' | 'ours-first' | 'ours-last' | 'after-import';

export interface SpanOut {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
  status: { code: number; message?: string };
  links: string[];
  scope: string;
}

export interface PointOut {
  name: string;
  scope: string;
  attributes: Record<string, unknown>;
  count?: number;
  value?: number;
}

export interface TrafficSpans {
  connectCallId: string;
  spans: SpanOut[];
}

export interface AppOutput extends TrafficSpans {
  metrics: PointOut[];
  /** The second run of the traffic, outside any app span (alsoNoAppSpan). */
  noAppSpan?: TrafficSpans;
}

export interface AppRun {
  format: ModuleFormat;
  setup: Setup;
  graphUrl: string;
  /** Where the app file is run from: the fixtures dir (the repo's packages) or a temp app holding copies. */
  dir?: string;
  /** Then run the traffic again outside any span of the app (a script calling the Graph API). */
  alsoNoAppSpan?: boolean;
  timeoutMs?: number;
}

export const appFile = (format: ModuleFormat): string => (format === 'cjs' ? 'graph-app.cjs' : 'graph-app.mjs');

export async function runGraphApp(run: AppRun): Promise<AppOutput> {
  const dir = run.dir ?? FIXTURES;
  const child = spawnTracked(process.execPath, [path.join(dir, appFile(run.format))], {
    cwd: dir,
    // A clean environment: no OTEL_* of the outer shell, no npm_* of an outer `npm test`.
    env: {
      PATH: process.env.PATH ?? '',
      GRAPH_URL: run.graphUrl,
      COMPAT_SETUP: run.setup,
      OTEL_LOGS_EXPORTER: 'none',
      ...(run.alsoNoAppSpan ? { COMPAT_ALSO_NO_APP_SPAN: '1' } : {}),
    },
  });
  let stdout = '';
  child.child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  const timer = setTimeout(() => void child.stop(500), run.timeoutMs ?? 25_000);
  const exit = await child.exited.finally(() => clearTimeout(timer));
  const label = `${run.format}/${run.setup}`;
  if (exit.code !== 0) throw new Error(`${label} exited ${exit.code ?? exit.signal}:\n${child.output()}`);
  const line = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as AppOutput;
  } catch {
    throw new Error(`${label} printed no result:\n${child.output()}`);
  }
}

/** Runs `jobs` with at most `limit` at once; each result (or error) in its own promise, never unhandled. */
export function runLimited<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T>[] {
  let next = 0;
  const results = jobs.map(() => {
    let settle!: { resolve: (v: T) => void; reject: (e: unknown) => void };
    const promise = new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
    promise.catch(() => undefined); // reported by whoever awaits it
    return { promise, settle };
  });
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      await jobs[i]().then(results[i].settle.resolve, results[i].settle.reject);
    }
  };
  for (let i = 0; i < Math.min(limit, jobs.length); i++) void worker();
  return results.map((r) => r.promise);
}
