/**
 * Source 1: apps that speak SIP over `node:tls`/`node:net` themselves. `tls.connect`,
 * `net.connect`, `net.createConnection`, `tls.createServer` and `net.createServer` are wrapped once
 * per process (pass-through when no tap is enabled; ESM named imports are refreshed with
 * `syncBuiltinESMExports`). For a connection to Meta (or accepted from Meta) only — MetaPeers decides —
 * that socket's own `write`/`end` (bytes the app sends, in plaintext for TLS) and `push` (bytes Node
 * hands the app) are wrapped to copy chunks into two stream framers.
 * No listener is added and no byte is changed; framers are bounded per connection.
 */
import { context } from '@opentelemetry/api';
import { syncBuiltinESMExports } from 'node:module';
import type * as net from 'node:net';
import { parseSipMessage, SipStreamFramer } from '../../sip/wire';
import type { SipObservation } from '../../sip/tracking/sip-observation';
import type { MetaPeers } from './meta-peers';

export interface SocketTapOptions {
  meta: Pick<MetaPeers, 'isMetaTarget' | 'isPeerPort' | 'classify' | 'need' | 'retain' | 'release'>;
  observe(o: SipObservation): void;
  onError(where: string, err: unknown): void;
}

const taps = new Set<SipSocketTap>();
const kInstalled = Symbol.for('opentelemetry-instrumentation-whatsapp-calling.socket-tap');
const kTapped = Symbol('whatsapp-sip-tapped');

type Connect = (...args: unknown[]) => net.Socket;

function install(): void {
  const g = globalThis as Record<symbol, unknown>;
  if (g[kInstalled]) return;
  g[kInstalled] = true;
  const wrap = (mod: Record<string, unknown>, name: string, transport: 'tls' | 'tcp') => {
    const original = mod[name] as Connect;
    mod[name] = function (this: unknown, ...args: unknown[]) {
      const socket = original.apply(this, args);
      if (taps.size) for (const tap of taps) tap.consider(socket, args, transport);
      return socket;
    };
  };
  const tls = builtinModule('node:tls');
  const netModule = builtinModule('node:net');
  wrap(tls, 'connect', 'tls');
  wrap(netModule, 'connect', 'tcp');
  wrap(netModule, 'createConnection', 'tcp');
  // Servers: Meta connects to the business's SIP server for user-initiated calls. A listener on the
  // connection event is passive: the app's own handlers run as before, and data flows only after.
  const wrapServer = (mod: Record<string, unknown>, name: string, event: string, transport: 'tls' | 'tcp') => {
    const original = mod[name] as (...args: unknown[]) => net.Server;
    mod[name] = function (this: unknown, ...args: unknown[]) {
      const server = original.apply(this, args);
      if (taps.size) for (const tap of taps) tap.serverCreated();
      server.on(event, (socket: net.Socket) => {
        if (taps.size) for (const tap of taps) tap.considerAccepted(socket, transport);
      });
      return server;
    };
  };
  wrapServer(tls, 'createServer', 'secureConnection', 'tls');
  wrapServer(netModule, 'createServer', 'connection', 'tcp');
  syncBuiltinESMExports();
}

/**
 * The real (mutable) module object: an ESM namespace or a transpiler's import wrapper can't be
 * patched. `process.getBuiltinModule` exists from Node 20.16; `require` covers older 20.x in CJS.
 */
function builtinModule(name: string): Record<string, unknown> {
  const get = (process as unknown as { getBuiltinModule?: (n: string) => unknown }).getBuiltinModule;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the real mutable module object (an import would give a frozen namespace)
  return (get ? get(name) : require(name)) as Record<string, unknown>;
}

export class SipSocketTap {
  constructor(private readonly o: SocketTapOptions) {}

  enable(): void {
    install();
    if (!taps.has(this)) this.o.meta.retain();
    taps.add(this);
  }

  disable(): void {
    if (taps.delete(this)) this.o.meta.release();
  }

  /** The app created a TLS/TCP server (maybe a SIP server Meta will call): learn Meta's addresses now. */
  serverCreated(): void {
    try {
      this.o.meta.need();
    } catch (err) {
      this.o.onError('socket tap', err);
    }
  }

  /**
   * Called for every new client socket; taps it if it goes to Meta: a configured peer's name, or an
   * IP and port that are Meta's SIP endpoint. Never throws.
   */
  consider(socket: net.Socket, args: unknown[], transport: 'tls' | 'tcp'): void {
    try {
      if ((socket as unknown as Record<symbol, unknown>)[kTapped]) return; // tls over a tapped net socket
      const { host, servername, port } = targetOf(args);
      const meta = this.o.meta;
      if (meta.isMetaTarget(servername, port) || meta.isMetaTarget(host, port)) return this.tap(socket, transport, host ?? servername!, port!);
      if (meta.isPeerPort(port)) {
        // Another name (or an IP) on a peer's port may still reach Meta: decide once connected.
        socket.once('connect', () => {
          try {
            if (this.o.meta.classify(socket.remoteAddress, socket.remotePort) === 'endpoint') this.tap(socket, transport, socket.remoteAddress!, port!);
          } catch (err) {
            this.o.onError('socket tap', err);
          }
        });
      }
    } catch (err) {
      this.o.onError('socket tap', err);
    }
  }

  /**
   * A connection accepted by a server of the app: Meta's SIP edge connects from ephemeral ports, so
   * Meta's address on any port is enough.
   */
  considerAccepted(socket: net.Socket, transport: 'tls' | 'tcp'): void {
    try {
      const address = socket.remoteAddress?.replace(/^::ffff:/, '');
      if (address && this.o.meta.classify(address, socket.remotePort) !== undefined) this.tap(socket, transport, address, socket.remotePort ?? 0);
    } catch (err) {
      this.o.onError('socket tap', err);
    }
  }

  private tap(socket: net.Socket, transport: 'tls' | 'tcp', peerAddress: string, peerPort: number): void {
    const s = socket as net.Socket & Record<symbol, unknown>;
    if (s[kTapped]) return;
    s[kTapped] = true;
    const out = new SipStreamFramer();
    const inbound = new SipStreamFramer();
    const emit = (framer: SipStreamFramer, chunk: unknown, fromBusiness: boolean) => {
      if (!taps.has(this) || chunk === null || chunk === undefined) return;
      const buf =
        typeof chunk === 'string'
          ? Buffer.from(chunk)
          : chunk instanceof Uint8Array
            ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
            : undefined;
      if (!buf) return;
      for (const raw of framer.push(buf)) {
        const message = parseSipMessage(raw);
        if (message) {
          this.o.observe({
            message,
            fromBusiness,
            at: Date.now(),
            source: 'socket',
            transport,
            peerAddress,
            peerPort,
            parentContext: fromBusiness ? context.active() : undefined,
          });
        }
      }
    };
    const guard = (fn: () => void) => {
      try {
        fn();
      } catch (err) {
        this.o.onError('socket tap', err);
      }
    };
    const write = socket.write;
    socket.write = function (this: net.Socket, ...args: unknown[]) {
      guard(() => emit(out, args[0], true));
      return (write as (...a: unknown[]) => boolean).apply(this, args);
    };
    const end = socket.end;
    socket.end = function (this: net.Socket, ...args: unknown[]) {
      if (typeof args[0] !== 'function') guard(() => emit(out, args[0], true));
      return (end as (...a: unknown[]) => net.Socket).apply(this, args);
    };
    const push = socket.push;
    socket.push = function (this: net.Socket, chunk: unknown, encoding?: BufferEncoding) {
      guard(() => emit(inbound, chunk, false));
      return push.call(this, chunk, encoding);
    };
  }
}

/** host/servername/port from the argument forms of net.connect / tls.connect. */
function targetOf(args: unknown[]): { host?: string; servername?: string; port?: number } {
  const [a, b, c] = args;
  const asPort = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);
  if (typeof a === 'object' && a !== null) {
    const o = a as { host?: unknown; port?: unknown; servername?: unknown };
    return {
      host: typeof o.host === 'string' ? o.host : 'localhost',
      servername: typeof o.servername === 'string' ? o.servername : undefined,
      port: asPort(o.port),
    };
  }
  const port = asPort(a);
  const host = typeof b === 'string' ? b : 'localhost';
  const opts = (typeof b === 'object' && b !== null ? b : typeof c === 'object' && c !== null ? c : {}) as { servername?: unknown };
  return { host, servername: typeof opts.servername === 'string' ? opts.servername : undefined, port };
}
