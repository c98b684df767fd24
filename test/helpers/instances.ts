/**
 * Several instances of a business app (test/fixtures/instance-app.mjs), each in its own Node process
 * (process.execPath: the Node-version matrix applies), sharing the Graph API sandbox and optionally a
 * Redis: the "app scaled out behind a load balancer" setup. Each instance is driven over its control
 * API; webhooks reach it signed, like Meta sends them. Every process is killed on close or failure.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sendWebhook } from '../../sandbox/webhook-send';
import type { SendOptions, SendResult } from '../../sandbox/webhook-send';
import type { WebhookDelivery } from '../../sandbox/webhooks';
import { spawnTracked } from './child-processes';
import type { TrackedChild } from './child-processes';

const APP = path.resolve(__dirname, '../fixtures/instance-app.mjs');

export interface InstanceEnv {
  /** The sandbox's URL (Graph API base for the instrumentation and for the app's requests). */
  sandboxUrl: string;
  /** `redis: { url }` for every instance. */
  redisUrl?: string;
  /** `redis: { cluster: nodes }` for every instance. */
  redisCluster?: { host: string; port: number }[];
  /** Default 300 ms. */
  callSettleMs?: number;
  concurrentCallLimit?: number;
  businessInitiatedCallLimit?: number;
  /** Shared by all instances by default ('instances-shared-key'): pair keys must match across them. */
  consumerNumberHashKey?: string;
  /** Webhook signing secret (the app checks it). Default 'sandbox-app-secret'. */
  appSecret?: string;
  /** Merged last into every instance's instrumentation config (JSON-serialisable). */
  config?: Record<string, unknown>;
  /** More environment for every instance. */
  env?: Record<string, string>;
  /** Bound on each instance's start. Default 20 s. */
  startTimeoutMs?: number;
}

export interface SpanJson {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  /** SpanKind number. */
  kind: number;
  attributes: Record<string, unknown>;
  events: { name: string; time: number; attributes: Record<string, unknown> }[];
  links: { traceId: string; spanId: string; attributes: Record<string, unknown> }[];
  /** SpanStatusCode number (0 unset, 1 ok, 2 error). */
  status: { code: number; message?: string };
  /** Epoch ms. */
  startTime: number;
  endTime: number;
}

export type MetricPoint =
  | { name: string; unit: string; kind: 'sum'; monotonic: boolean; attributes: Record<string, unknown>; value: number }
  | { name: string; unit: string; kind: 'gauge'; attributes: Record<string, unknown>; value: number }
  | { name: string; unit: string; kind: 'histogram'; attributes: Record<string, unknown>; count: number; sum: number; min?: number; max?: number };

export interface GraphResult {
  /** The Graph API's HTTP status. */
  status: number;
  /** Its JSON body. */
  body: any;
}

export interface GraphOptions {
  method?: 'GET' | 'POST';
  /** Path after `/v23.0/<phoneNumberId>/`. Default 'calls'. */
  path?: string;
  /** More request headers (e.g. `traceparent`: the operation span continues that trace). */
  headers?: Record<string, string>;
}

export interface Instance {
  /** 0-based position. */
  index: number;
  /** service.instance.id of its telemetry: `instance-1` … `instance-n`. */
  name: string;
  pid: number;
  /** Control API base, `http://127.0.0.1:<port>`. */
  url: string;
  /** Where Meta would deliver webhooks: `<url>/webhook`. */
  webhookUrl: string;
  /** Makes the Graph request from inside the instance (with fetch): `messaging_product` is added. */
  graph(phoneNumberId: string, body?: object, opts?: GraphOptions): Promise<GraphResult>;
  /** Delivers a webhook to this instance like Meta: signed POST (default secret: the env's appSecret). */
  deliver(delivery: WebhookDelivery, signOptions?: SendOptions): Promise<SendResult>;
  /** Finished spans so far, oldest first. */
  spans(): Promise<SpanJson[]>;
  /** Collected metric data points (a pull collection: cumulative since start). */
  metrics(): Promise<MetricPoint[]>;
  /** Ends calls whose terminate arrived (skipping callSettleMs; `all`: live calls too), then flushes spans. */
  flush(opts?: { all?: boolean }): Promise<void>;
  /** Forgets finished spans (metrics are cumulative and stay). */
  reset(): Promise<void>;
  /** Webhooks accepted / refused (bad signature) by the app; unhandled rejections and uncaught exceptions in it. */
  stats(): Promise<{ webhooks: number; rejectedWebhooks: number; unhandledRejections: number; uncaughtExceptions: number }>;
  /** SIGKILL (a crashed instance); `close()` still cleans up. */
  kill(): Promise<void>;
  /** Its stdout + stderr (diag warnings, errors). */
  output(): string;
}

export interface Instances {
  instances: Instance[];
  /** Graceful /shutdown of each, then SIGTERM/SIGKILL what is left. Idempotent. */
  close(): Promise<void>;
}

/** Reads the first JSON line `{"port": N}` of the app's stdout, bounded. */
function readPort(proc: TrackedChild, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let done = false;
    const finish = (err: Error | undefined, port?: number) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      proc.child.stdout?.off('data', onData);
      if (err) reject(err);
      else resolve(port!);
    };
    const onData = (chunk: Buffer) => {
      buf += chunk.toString();
      for (const line of buf.split('\n').slice(0, -1)) {
        try {
          const port = (JSON.parse(line) as { port?: unknown }).port;
          if (typeof port === 'number') return finish(undefined, port);
        } catch {
          /* not the port line */
        }
      }
    };
    const timer = setTimeout(() => finish(new Error(`instance-app (pid ${proc.pid}) printed no port within ${timeoutMs} ms:\n${proc.output()}`)), timeoutMs);
    void proc.exited.then((x) => finish(new Error(`instance-app (pid ${proc.pid}) exited (${x.code ?? x.signal}) before it listened:\n${proc.output()}`)));
    proc.child.stdout?.on('data', onData);
  });
}

function childEnv(env: InstanceEnv, name: string): NodeJS.ProcessEnv {
  const vars: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    SANDBOX_URL: env.sandboxUrl,
    INSTANCE_NAME: name,
    EXIT_WITH_STDIN: '1',
    CALL_SETTLE_MS: String(env.callSettleMs ?? 300),
    CONCURRENT_CALL_LIMIT: env.concurrentCallLimit?.toString(),
    BUSINESS_INITIATED_CALL_LIMIT: env.businessInitiatedCallLimit?.toString(),
    CONSUMER_NUMBER_HASH_KEY: env.consumerNumberHashKey ?? 'instances-shared-key',
    APP_SECRET: env.appSecret,
    REDIS_URL: env.redisUrl,
    REDIS_CLUSTER: env.redisCluster ? JSON.stringify(env.redisCluster) : undefined,
    INSTRUMENTATION_CONFIG: env.config ? JSON.stringify(env.config) : undefined,
    // Run the instances against another build of the package (default: this repo's build/).
    INSTRUMENTATION_MODULE: process.env.INSTRUMENTATION_MODULE,
    ...env.env,
  };
  return Object.fromEntries<string | undefined>(Object.entries(vars).filter(([, v]) => v !== undefined));
}

async function call<T>(proc: TrackedChild, url: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    throw new Error(`${init?.method ?? 'GET'} ${url} failed (${String(e)}):\n${proc.output()}`, { cause: e });
  }
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url} → ${res.status}: ${text}\n${proc.output()}`);
  return JSON.parse(text) as T;
}
const post = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });

function instanceOf(proc: TrackedChild, index: number, name: string, port: number, env: InstanceEnv): Instance {
  const url = `http://127.0.0.1:${port}`;
  return {
    index,
    name,
    pid: proc.pid,
    url,
    webhookUrl: `${url}/webhook`,
    graph: (phoneNumberId, body = {}, opts = {}) => call<GraphResult>(proc, `${url}/graph`, post({ phoneNumberId, body, ...opts })),
    deliver: (delivery, signOptions) => sendWebhook(`${url}/webhook`, delivery, { ...(env.appSecret ? { appSecret: env.appSecret } : {}), ...signOptions }),
    spans: () => call<SpanJson[]>(proc, `${url}/spans`),
    metrics: () => call<MetricPoint[]>(proc, `${url}/metrics-json`),
    flush: async (opts = {}) => {
      await call(proc, `${url}/flush`, post(opts));
    },
    reset: async () => {
      await call(proc, `${url}/reset`, post({}));
    },
    stats: () => call(proc, `${url}/stats`),
    kill: async () => {
      proc.signal('SIGKILL');
      await proc.exited;
    },
    output: () => proc.output(),
  };
}

export async function startInstances(n: number, env: InstanceEnv): Promise<Instances> {
  if (n < 1 || n > 16) throw new Error('startInstances: 1 to 16 instances');
  const procs: TrackedChild[] = [];
  const close = async () => {
    await Promise.all(
      procs.map(async (p, i) => {
        if (!p.running()) return;
        if (started[i]) await fetch(`${started[i].url}/shutdown`, { method: 'POST', signal: AbortSignal.timeout(2000) }).catch(() => undefined);
        await Promise.race([p.exited, new Promise((r) => setTimeout(r, 3000))]);
        await p.stop(2000);
      }),
    );
  };
  const started: (Instance | undefined)[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const name = `instance-${i + 1}`;
      procs.push(spawnTracked(process.execPath, [APP], { env: childEnv(env, name), stdio: ['pipe', 'pipe', 'pipe'] }));
    }
    const ports = await Promise.all(procs.map((p) => readPort(p, env.startTimeoutMs ?? 20_000)));
    ports.forEach((port, i) => (started[i] = instanceOf(procs[i], i, `instance-${i + 1}`, port, env)));
  } catch (e) {
    await close();
    throw e;
  }
  let closing: Promise<void> | undefined;
  return { instances: started as Instance[], close: () => (closing ??= close()) };
}

/** Spans of one name (e.g. 'whatsapp call'), optionally with `whatsapp.call.id`. */
export const spansNamed = (spans: SpanJson[], name: string, callId?: string): SpanJson[] =>
  spans.filter((s) => s.name === name && (callId === undefined || s.attributes['whatsapp.call.id'] === callId));

/** Sum of counter/gauge values (or histogram counts) of `name` whose attributes include `match`. */
export function metricTotal(points: MetricPoint[], name: string, match: Record<string, unknown> = {}): number {
  return points
    .filter((p) => p.name === name && Object.entries(match).every(([k, v]) => p.attributes[k] === v))
    .reduce((acc, p) => acc + (p.kind === 'histogram' ? p.count : p.value), 0);
}

/** Polls an instance's spans (bounded, default 5 s) until `probe` returns something: spans end asynchronously. */
export async function waitFor<T>(instance: Instance, probe: (spans: SpanJson[]) => T | undefined, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const spans = await instance.spans();
    const found = probe(spans);
    if (found !== undefined) return found;
    if (Date.now() >= until) throw new Error(`${instance.name}: condition not met within ${timeoutMs} ms; spans: ${spans.map((s) => s.name).join(', ')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Pids of this process's children running the instance app (Linux /proc), to prove none is left. */
export function runningInstancePids(): number[] {
  const pids: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(APP)) pids.push(Number(e));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}
