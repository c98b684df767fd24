/**
 * Recognises which requests go to the Graph API, and which WhatsApp Calling endpoint they hit.
 * Pure functions over strings: the HTTP sources call `matchOrigin` on every request they see,
 * so it is a single Set lookup; the path is only split for requests to a Graph origin.
 */

export type GraphEdge = 'calls' | 'call_permissions' | 'settings' | 'messages';

export interface GraphBase {
  /** Lower-case origin variants accepted (with and without the scheme's default port). */
  origins: Set<string>;
  /** The same as `Host` header values (`host`, `host:port`): a test that needs no origin string. */
  hosts: Set<string>;
  /** Path prefix before the Graph path (`''` for graph.facebook.com itself). */
  pathPrefix: string;
  serverAddress: string;
  serverPort: number;
}

export interface GraphEndpoint {
  edge: GraphEdge;
  phoneNumberId: string;
  /** `v23.0` when the path carries a version. */
  pathVersion?: string;
  /** The query string without `?`, if any (never recorded: it can hold a consumer number). */
  query?: string;
}

export const DEFAULT_GRAPH_API_BASE_URLS = ['https://graph.facebook.com'];

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/** Parses configured base URLs; invalid ones are skipped (reported through `onInvalid`). */
export function parseGraphBases(urls: readonly string[], onInvalid?: (url: string) => void): GraphBase[] {
  const bases: GraphBase[] = [];
  for (const raw of urls) {
    try {
      const u = new URL(raw);
      const defaultPort = DEFAULT_PORTS[u.protocol];
      if (defaultPort === undefined) throw new Error('not http(s)');
      const port = u.port ? Number(u.port) : defaultPort;
      const host = u.host.toLowerCase();
      const hostname = u.hostname.toLowerCase();
      const origins = new Set([`${u.protocol}//${host}`, `${u.protocol}//${hostname}:${port}`]);
      const hosts = new Set([host, `${hostname}:${port}`]);
      if (port === defaultPort) {
        origins.add(`${u.protocol}//${hostname}`);
        hosts.add(hostname);
      }
      bases.push({ origins, hosts, pathPrefix: u.pathname.replace(/\/+$/, ''), serverAddress: hostname, serverPort: port });
    } catch {
      onInvalid?.(raw);
    }
  }
  return bases;
}

/** The base whose origin equals `origin` (any case), if any. */
export function matchOrigin(bases: readonly GraphBase[], origin: string): GraphBase | undefined {
  const key = origin.toLowerCase();
  for (const base of bases) if (base.origins.has(key)) return base;
  return undefined;
}

/**
 * Whether a `Host` value (any case) is a Graph base's host, whatever the scheme: the cheap first test
 * for clients that give a host and not an origin (node:http), before building the origin.
 */
export function isGraphHost(bases: readonly GraphBase[], host: string): boolean {
  const key = host.toLowerCase();
  for (const base of bases) if (base.hosts.has(key)) return true;
  return false;
}

const VERSION = /^v\d+(?:\.\d+)?$/;
const NUMERIC_ID = /^\d{1,30}$/;

/**
 * Recent answers per base: an app sends its requests to a handful of paths (one per number and
 * edge), so parsing each path once saves the split and regexes on every request. Bounded: emptied
 * when full. Cached endpoints are shared, so never mutated.
 */
const MAX_CACHED_PATHS = 256;
const recent = new WeakMap<GraphBase, Map<string, GraphEndpoint | null>>();

/** Matches `[/vNN.N]/{phone_number_id}/{edge}` for the methods each edge is observed on. */
export function matchEndpoint(base: GraphBase, method: string, path: string): GraphEndpoint | undefined {
  const q = path.indexOf('?');
  const pathOnly = q === -1 ? path : path.slice(0, q);
  let cache = recent.get(base);
  if (!cache) recent.set(base, (cache = new Map<string, GraphEndpoint | null>()));
  const key = `${method} ${pathOnly}`;
  let endpoint = cache.get(key);
  if (endpoint === undefined) {
    if (cache.size >= MAX_CACHED_PATHS) cache.clear();
    endpoint = parseEndpoint(base, method, pathOnly) ?? null;
    cache.set(key, endpoint);
  }
  if (!endpoint) return undefined;
  if (q === -1) return endpoint;
  return { edge: endpoint.edge, phoneNumberId: endpoint.phoneNumberId, pathVersion: endpoint.pathVersion, query: path.slice(q + 1) };
}

function parseEndpoint(base: GraphBase, method: string, pathOnly: string): GraphEndpoint | undefined {
  if (!pathOnly.startsWith(base.pathPrefix)) return undefined;
  const parts = pathOnly
    .slice(base.pathPrefix.length)
    .split('/')
    .filter((p) => p !== '');
  let pathVersion: string | undefined;
  if (parts.length === 3 && VERSION.test(parts[0])) pathVersion = parts.shift();
  if (parts.length !== 2 || !NUMERIC_ID.test(parts[0])) return undefined;
  const edge = parts[1];
  const m = method.toUpperCase();
  const allowed =
    (edge === 'calls' && m === 'POST') ||
    (edge === 'call_permissions' && m === 'GET') ||
    (edge === 'settings' && (m === 'GET' || m === 'POST')) ||
    (edge === 'messages' && m === 'POST');
  if (!allowed) return undefined;
  return { edge, phoneNumberId: parts[0], pathVersion, query: undefined };
}
