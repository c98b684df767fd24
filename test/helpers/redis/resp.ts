/**
 * One Redis command over a fresh loopback connection, with a hard deadline: the helpers' own probes
 * (PING, CLUSTER INFO, SHUTDOWN) must not depend on the client library under test, nor on its retries.
 */
import * as net from 'node:net';

export type RespValue = string | number | null | RespValue[] | Error;

/** Parses one RESP2 reply from `buf` at `at`; undefined while incomplete. */
function parse(buf: Buffer, at: number): { value: RespValue; end: number } | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[at]);
  const line = buf.toString('utf8', at + 1, eol);
  switch (type) {
    case '+':
      return { value: line, end: eol + 2 };
    case '-':
      return { value: new Error(line), end: eol + 2 };
    case ':':
      return { value: Number(line), end: eol + 2 };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, end: eol + 2 };
      if (buf.length < eol + 2 + len + 2) return undefined;
      return { value: buf.toString('utf8', eol + 2, eol + 2 + len), end: eol + 2 + len + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, end: eol + 2 };
      const items: RespValue[] = [];
      let pos = eol + 2;
      for (let i = 0; i < n; i++) {
        const item = parse(buf, pos);
        if (!item) return undefined;
        items.push(item.value);
        pos = item.end;
      }
      return { value: items, end: pos };
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(type)}`);
  }
}

const encode = (args: (string | number)[]): Buffer =>
  Buffer.concat([
    Buffer.from(`*${args.length}\r\n`),
    ...args.map((a) => {
      const b = Buffer.from(String(a));
      return Buffer.concat([Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n')]);
    }),
  ]);

export interface CommandOptions {
  /** Whole exchange (connect, write, reply). Default 2000 ms. */
  timeoutMs?: number;
  host?: string;
  /** Resolve `null` when the server closes without a reply (SHUTDOWN does that). */
  allowClose?: boolean;
}

/** Sends one command; resolves its reply (a Redis error reply rejects). */
export function redisCommand(port: number, args: (string | number)[], opts: CommandOptions = {}): Promise<RespValue> {
  const timeoutMs = opts.timeoutMs ?? 2000;
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let settled = false;
    const socket = net.connect(port, opts.host ?? '127.0.0.1');
    const finish = (err: Error | undefined, value?: RespValue) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value ?? null);
    };
    const timer = setTimeout(() => finish(new Error(`redis ${args[0]} on :${port}: no reply within ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => socket.write(encode(args)));
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      try {
        const reply = parse(buf, 0);
        if (!reply) return;
        if (reply.value instanceof Error) finish(new Error(`redis ${args[0]} on :${port}: ${reply.value.message}`));
        else finish(undefined, reply.value);
      } catch (e) {
        finish(e as Error);
      }
    });
    socket.once('error', (e) => finish(e));
    socket.once('close', () =>
      opts.allowClose ? finish(undefined, null) : finish(new Error(`redis ${args[0]} on :${port}: connection closed without a reply`)),
    );
  });
}

/** True when the server on `port` answers PING with PONG within `timeoutMs`. */
export async function answersPing(port: number, timeoutMs = 500): Promise<boolean> {
  try {
    return (await redisCommand(port, ['PING'], { timeoutMs })) === 'PONG';
  } catch {
    return false;
  }
}
