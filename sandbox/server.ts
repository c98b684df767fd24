/**
 * The sandbox server: a real node:http / node:https server on 127.0.0.1 (port 0) answering like
 * graph.facebook.com for the Calling endpoints, recording every exchange.
 * Order per request: token (190) → queued failNext → route → Graph's unsupported-path error.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { parseBody, readBody } from './body';
import { fail } from './context';
import type { Body, RouteContext, RouteResult, SandboxState } from './context';
import { unsupportedPath } from './errors';
import { newTraceId } from './ids';
import { SandboxLimits } from './limits';
import { graphHeaders, prepare, writeResponse } from './respond';
import { GRAPH_PATH, route } from './routes';
import { SettingsStore } from './settings';
import { sandboxTls } from './tls';
import type { FailureMatch, RecordedRequest, Sandbox, SandboxOptions } from './types';
import { createWebhooks } from './webhooks';

const VERSION_PREFIX = /^\/(v\d+\.\d+)(?:\/|$)/;

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const now = opts.now ?? Date.now;
  const state: SandboxState = {
    now,
    limits: new SandboxLimits(now),
    settings: new SettingsStore(),
    grants: new Map(),
    concurrentCallLimit: opts.concurrentCallLimit ?? 1000,
    businessInitiatedCallLimit: opts.businessInitiatedCallLimit ?? 100,
    callInitiationLimit: opts.callInitiationLimit ?? 10_000,
  };
  const requests: RecordedRequest[] = [];
  const failures: { code: number; match?: FailureMatch }[] = [];

  const answer = (ctx: RouteContext, req: http.IncomingMessage, url: URL, method: string, json: Body | undefined): RouteResult => {
    if (opts.accessToken !== undefined && tokenOf(req, url, json) !== opts.accessToken) return fail(ctx, 190);
    const queued = failures.findIndex(({ match }) => (!match?.action || match.action === json?.action) && (!match?.path || match.path.test(url.pathname)));
    if (queued !== -1) return fail(ctx, failures.splice(queued, 1)[0].code);
    const m = GRAPH_PATH.exec(url.pathname);
    const routed = m ? route(ctx, method, m[3], m[2], url.searchParams, json) : undefined;
    return routed ?? unsupportedPath(method, objectIdOf(url.pathname), ctx.fbtraceId);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const json = parseBody(raw, req.headers['content-type']);
    const fbtraceId = newTraceId();
    const result = answer({ state, fbtraceId }, req, url, method, json);
    const version = VERSION_PREFIX.exec(url.pathname)?.[1] ?? opts.apiVersion ?? 'v23.0';
    const text = JSON.stringify(result.body);
    const prepared = prepare(
      { ...graphHeaders(fbtraceId, version), ...result.headers },
      text,
      String(req.headers['accept-encoding'] ?? ''),
      opts.compression ?? 'auto',
    );
    requests.push({
      method,
      path: url.pathname + url.search,
      headers: req.headers,
      body: raw,
      json,
      status: result.status,
      responseHeaders: prepared.headers,
      responseBody: text,
    });
    if (opts.maxRecordedRequests !== undefined && requests.length > opts.maxRecordedRequests) requests.splice(0, requests.length - opts.maxRecordedRequests);
    await writeResponse(res, result.status, prepared, opts.responseDelayMs ?? 0, opts.slowBody ?? false);
  };

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch(() => res.destroy());
  };
  const server = opts.tls ? https.createServer(sandboxTls(), listener) : http.createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    ca: opts.tls ? sandboxTls().cert : undefined,
    requests,
    failNext: (code, match) => void failures.push({ code, match }),
    activeCalls: (phoneNumberId) => state.limits.activeCount(phoneNumberId),
    reset: () => {
      requests.length = 0;
      failures.length = 0;
      state.limits.reset();
      state.settings.reset();
      state.grants.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    webhooks: createWebhooks(now, { started: (id, phone) => state.limits.startCall(id, phone), ended: (id) => void state.limits.endCall(id) }),
  };
}

/** The token Graph would use: Authorization (Bearer or OAuth), else `access_token` in query or body. */
function tokenOf(req: http.IncomingMessage, url: URL, json: Body | undefined): string | undefined {
  const auth = /^(?:Bearer|OAuth)\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  if (auth) return auth;
  const fromQuery = url.searchParams.get('access_token');
  if (fromQuery) return fromQuery;
  return typeof json?.access_token === 'string' ? json.access_token : undefined;
}

/** The object a Graph path names (after an optional version), for the unsupported-path message. */
function objectIdOf(pathname: string): string | undefined {
  const segment = pathname.replace(VERSION_PREFIX, '/').split('/').filter(Boolean)[0];
  if (!segment) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
