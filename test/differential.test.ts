/**
 * Differential test: for random request and response bodies (JSON or arbitrary bytes, larger than the
 * inspection limit, gzip-encoded or not, written in random chunks, success or error status), every
 * client reads exactly the same bytes and the server receives exactly the same bytes whether the
 * instrumentation is enabled or not.
 */
import fc from 'fast-check';
import * as http from 'node:http';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_NAMES, send } from './helpers/clients';
import { createHarness } from './helpers/otel-harness';

interface ResponseSpec {
  status: number;
  gzip: boolean;
  body: Buffer;
  chunks: number;
}

const specs = new Map<string, ResponseSpec>();
const received = new Map<string, Buffer>();
let server: http.Server;
let base: string;
const harness = createHarness({ maxBodyBytes: 1024 });

/** Answers a case as its spec says: status, gzip or not, the body in `chunks` writes. */
async function respond(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  const id = String(req.headers['x-case']);
  received.set(id, Buffer.concat(parts));
  const spec = specs.get(id)!;
  const payload = spec.gzip ? zlib.gzipSync(spec.body) : spec.body;
  res.writeHead(spec.status, { 'content-type': 'application/json', ...(spec.gzip ? { 'content-encoding': 'gzip' } : {}), 'x-fb-trace-id': 'T' });
  const size = Math.ceil(payload.length / spec.chunks) || 1;
  for (let i = 0; i < payload.length; i += size) {
    res.write(payload.subarray(i, i + size));
    await new Promise((r) => setImmediate(r));
  }
  res.end();
}

beforeAll(async () => {
  // A failure in respond stays an unhandled rejection, which fails the run.
  server = http.createServer((req, res) => {
    void respond(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  harness.instrumentation.setConfig({ graphApiBaseUrls: [base], maxBodyBytes: 1024 });
});
afterAll(() => new Promise((r) => server.close(r)));

const bodyArb = fc.oneof(
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify({ messaging_product: 'whatsapp', calls: [{ id: 'wacid.x' }], v }))),
  fc.uint8Array({ maxLength: 5000 }).map((a) => Buffer.from(a)),
  fc.integer({ min: 1000, max: 200_000 }).map((n) => Buffer.alloc(n, 'a')),
);
const caseArb = fc.record({
  status: fc.constantFrom(200, 400, 401, 429, 500),
  gzip: fc.boolean(),
  body: bodyArb,
  chunks: fc.integer({ min: 1, max: 8 }),
  request: fc.oneof(
    fc.constant(JSON.stringify({ messaging_product: 'whatsapp', action: 'accept', call_id: 'wacid.A', session: { sdp: 'v=0\r\n' } })),
    fc.string({ maxLength: 3000 }),
  ),
});

let n = 0;
describe.each(CLIENT_NAMES)('%s', (client) => {
  it('reads and sends identical bytes with and without the instrumentation', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const results: Buffer[][] = [];
        for (const enabled of [false, true]) {
          if (enabled) harness.instrumentation.enable();
          else harness.instrumentation.disable();
          const id = `c${n++}`;
          specs.set(id, c);
          const res = await send(client, { method: 'POST', url: `${base}/v23.0/1/calls`, body: c.request, headers: { 'x-case': id } });
          expect(res.status).toBe(c.status);
          results.push([res.body, received.get(id)!]);
        }
        expect(results[1][0].equals(results[0][0])).toBe(true);
        expect(results[1][1].equals(results[0][1])).toBe(true);
      }),
      { numRuns: 12 },
    );
    harness.instrumentation.enable();
  });
});
