/**
 * The HTTP clients our users call the Graph API with, behind one signature, so every behaviour is
 * checked with each of them. Each returns the exact bytes the app read.
 */
import axios from 'axios';
import got from 'got';
import * as http from 'node:http';
import * as https from 'node:https';
import nodeFetch from 'node-fetch';
import * as undici from 'undici';

export interface ClientRequest {
  method: 'GET' | 'POST';
  url: string;
  body?: string;
  headers?: Record<string, string>;
  ca?: string;
  signal?: AbortSignal;
}

export interface ClientResponse {
  status: number;
  body: Buffer;
}

export type ClientName = 'fetch' | 'undici.fetch' | 'undici.request' | 'undici.Client' | 'undici.Pool' | 'node:http(s)' | 'axios' | 'got' | 'node-fetch';

export const CLIENT_NAMES: ClientName[] = [
  'fetch',
  'undici.fetch',
  'undici.request',
  'undici.Client',
  'undici.Pool',
  'node:http(s)',
  'axios',
  'got',
  'node-fetch',
];

const defaultHeaders = (r: ClientRequest) => ({
  authorization: 'Bearer test-token',
  ...(r.body !== undefined ? { 'content-type': 'application/json' } : {}),
  ...r.headers,
});

const agentFor = (ca?: string) => (ca ? new undici.Agent({ connect: { ca } }) : undefined);

export async function send(client: ClientName, r: ClientRequest): Promise<ClientResponse> {
  const headers = defaultHeaders(r);
  switch (client) {
    case 'fetch': {
      // Node's fetch takes an undici dispatcher; only needed to trust the sandbox's test CA.
      const init = { method: r.method, headers, body: r.body, signal: r.signal, ...(r.ca ? { dispatcher: agentFor(r.ca) } : {}) };
      const res = await fetch(r.url, init as RequestInit);
      return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
    }
    case 'undici.fetch': {
      const res = await undici.fetch(r.url, { method: r.method, headers, body: r.body, signal: r.signal, dispatcher: agentFor(r.ca) });
      return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
    }
    case 'undici.request': {
      const res = await undici.request(r.url, { method: r.method, headers, body: r.body, signal: r.signal, dispatcher: agentFor(r.ca) });
      return { status: res.statusCode, body: Buffer.from(await res.body.arrayBuffer()) };
    }
    case 'undici.Client':
    case 'undici.Pool': {
      const u = new URL(r.url);
      const opts = r.ca ? { connect: { ca: r.ca } } : {};
      const dispatcher = client === 'undici.Client' ? new undici.Client(u.origin, opts) : new undici.Pool(u.origin, opts);
      try {
        const res = await dispatcher.request({ method: r.method, path: u.pathname + u.search, headers, body: r.body, signal: r.signal });
        return { status: res.statusCode, body: Buffer.from(await res.body.arrayBuffer()) };
      } finally {
        await dispatcher.close();
      }
    }
    case 'node:http(s)':
      return nodeRequest(r, headers);
    case 'axios': {
      const res = await axios.request({
        method: r.method,
        url: r.url,
        headers,
        data: r.body,
        signal: r.signal,
        responseType: 'arraybuffer',
        validateStatus: () => true,
        httpsAgent: r.ca ? new https.Agent({ ca: r.ca }) : undefined,
      });
      return { status: res.status, body: Buffer.from(res.data) };
    }
    case 'got': {
      const res = await got(r.url, {
        method: r.method,
        headers,
        body: r.body,
        signal: r.signal,
        throwHttpErrors: false,
        retry: { limit: 0 },
        responseType: 'buffer',
        https: r.ca ? { certificateAuthority: r.ca } : undefined,
      });
      return { status: res.statusCode, body: res.body };
    }
    case 'node-fetch': {
      const res = await nodeFetch(r.url, {
        method: r.method,
        headers,
        body: r.body,
        signal: r.signal as never,
        agent: r.ca ? new https.Agent({ ca: r.ca }) : undefined,
      });
      return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
    }
  }
}

function nodeRequest(r: ClientRequest, headers: Record<string, string>): Promise<ClientResponse> {
  const u = new URL(r.url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(u, { method: r.method, headers, ca: r.ca, signal: r.signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (r.body !== undefined) req.write(r.body);
    req.end();
  });
}
