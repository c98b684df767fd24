/**
 * The lowest and highest installed versions of each HTTP client library (package.json aliases:
 * undici5 / undici / undici8, axios-lowest / axios, got12 / got / got16, node-fetch2 / node-fetch),
 * each behind one `send` signature. Loaded by package name at run time, so one version's types never
 * constrain another's. A version whose package declares a newer Node than the one running is skipped.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const requireHere = createRequire(__filename);
const ROOT = path.resolve(__dirname, '../../..');

export interface SendOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
}

export interface VersionedClient {
  /** e.g. 'undici.request 5.0.0' */
  label: string;
  library: string;
  version: string;
  /** Why this version cannot run on this Node (its own `engines`), if it cannot. */
  unsupported?: string;
  /** A known difference from the contract (the test expects it to fail until it is fixed). */
  knownGap?: string;
  /** POSTs and resolves with the status once the whole response body is read. */
  send(o: SendOptions): Promise<number>;
}

const load = (pkg: string): any => requireHere(pkg);
const importEsm = (pkg: string): Promise<any> => import(pkg);

function packageJson(pkg: string): { version: string; engines?: { node?: string } } {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8'));
}

/** Only `>=X[.Y[.Z]]` is understood (what these packages declare); anything else counts as met. */
export function meetsNodeEngine(range: string | undefined, node = process.versions.node): boolean {
  const m = range?.trim().match(/^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/);
  if (!m) return true;
  const want = [m[1], m[2] ?? '0', m[3] ?? '0'].map(Number);
  const have = node.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (have[i] !== want[i]) return have[i] > want[i];
  return true;
}

function undiciClients(pkg: string, knownGap?: string): VersionedClient[] {
  // Each request goes through a dispatcher of this very version: the global one may be another
  // copy's (Node's bundled undici and the npm packages share it through a global symbol).
  const senders: Record<string, (u: any, o: SendOptions, dispatcher: any) => Promise<number>> = {
    request: async (u, o, dispatcher) => {
      const res = await u.request(o.url, { method: 'POST', headers: o.headers, body: o.body, dispatcher });
      await res.body.text();
      return res.statusCode;
    },
    fetch: async (u, o, dispatcher) => {
      const res = await u.fetch(o.url, { method: 'POST', headers: o.headers, body: o.body, dispatcher });
      await res.text();
      return res.status;
    },
    Pool: async (u, o) => {
      const url = new URL(o.url);
      const pool = new u.Pool(url.origin);
      try {
        const res = await pool.request({ method: 'POST', path: url.pathname, headers: o.headers, body: o.body });
        await res.body.text();
        return res.statusCode;
      } finally {
        await pool.close();
      }
    },
  };
  return Object.entries(senders).map(([name, send]) => ({
    ...versioned(pkg, 'undici', `undici.${name}`, async (o) => {
      const u = load(pkg);
      const agent = new u.Agent();
      try {
        return await send(u, o, agent);
      } finally {
        await agent.close();
      }
    }),
    knownGap,
  }));
}

function versioned(pkg: string, library: string, name: string, send: (o: SendOptions) => Promise<number>): VersionedClient {
  const { version, engines } = packageJson(pkg);
  const unsupported = meetsNodeEngine(engines?.node) ? undefined : `${library} ${version} needs Node ${engines!.node}`;
  return { label: `${name} ${version}`, library, version, unsupported, send };
}

const axiosClient = (pkg: string) =>
  versioned(pkg, 'axios', 'axios', async (o) => (await load(pkg).post(o.url, o.body, { headers: o.headers, validateStatus: () => true })).status);

const gotClient = (pkg: string) =>
  versioned(pkg, 'got', 'got', async (o) => {
    const got = (await importEsm(pkg)).default;
    return (await got.post(o.url, { headers: o.headers, body: o.body, throwHttpErrors: false, retry: { limit: 0 } })).statusCode;
  });

const nodeFetchClient = (pkg: string, esm: boolean) =>
  versioned(pkg, 'node-fetch', 'node-fetch', async (o) => {
    const fetchFn = esm ? (await importEsm(pkg)).default : load(pkg);
    const res = await fetchFn(o.url, { method: 'POST', headers: o.headers, body: o.body });
    await res.text();
    return res.status;
  });

/** Lowest first, then highest (and a newer major where one installs), per library. */
export const VERSIONED_CLIENTS: VersionedClient[] = [
  ...undiciClients('undici5'),
  ...undiciClients('undici'),
  ...undiciClients('undici8'),
  axiosClient('axios-lowest'),
  axiosClient('axios'),
  gotClient('got12'),
  gotClient('got'),
  gotClient('got16'),
  nodeFetchClient('node-fetch2', false),
  nodeFetchClient('node-fetch', true),
];
