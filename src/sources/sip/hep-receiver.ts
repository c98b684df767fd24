/**
 * Source 4: SBCs (Kamailio, OpenSIPS, FreeSWITCH) that export HEPv3 copies of their SIP traffic.
 * A source like the others: enabled and disabled with the instrumentation, it listens on UDP and TCP
 * (same port number, 127.0.0.1 unless `host` says otherwise), decodes packets with our own decoder and
 * turns SIP payloads into observations. A proxy's stream holds each message once per leg: only a leg
 * with Meta on exactly one side is used (MetaPeers decides), and that side gives the direction.
 *
 * Anyone who can reach the port can feed it, so it is capped: message size, packets per second per
 * source address, open connections and bytes held for incomplete TCP packets (per connection and in
 * total). Over a cap it drops and counts (`stats`, `whatsapp.calling.hep.dropped`); it never grows.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { decodeHep3, Hep3StreamFramer, HEP3_MAX_PACKET } from '../../sip/hep';
import type { SipObservation } from '../../sip/tracking/sip-observation';
import { parseSipMessage } from '../../sip/wire';
import { newHepStats, sameKey, SourceRateLimiter } from './listener-caps';
import type { HepDropReason, HepReceiverStats } from './listener-caps';
import type { MetaPeers } from './meta-peers';
import { normalizeIp } from './sip-peers';
import type { UnexplainedHepTraffic } from './unexplained-hep';

export interface HepConfig {
  /** Port for both UDP and TCP; 0 picks a free one (see `addresses()`). */
  port: number;
  /** Address to listen on. Default 127.0.0.1 (loopback): set it (e.g. `0.0.0.0`) for an SBC on another host. */
  host?: string;
  /** When set, packets whose HEP auth key (chunk 14) differs are dropped and counted (`auth_failed`). */
  authKey?: string;
  /**
   * Meta's side as the HEP stream shows it, added to what `sipPeers` gives (its IP entries, and the
   * addresses its host names resolve to): `ip:port`, or a bare `ip` or CIDR block (Meta's on every port).
   */
  metaAddresses?: string[];
  /** Larger packets are dropped (`too_large`). Default 32768; at most 65535 (the HEP length field). */
  maxMessageBytes?: number;
  /** Per source address (token bucket, one second of burst); more are dropped (`rate_limited`). Default 5000. */
  maxPacketsPerSecond?: number;
  /** Bytes held for incomplete TCP packets over all connections; the connection that exceeds it is closed (`buffer_full`). Default 1 MiB. */
  maxBufferedBytes?: number;
  /** Open TCP connections; more are refused (`too_many_connections`). Default 64. */
  maxConnections?: number;
}

export interface HepReceiverOptions {
  /** Read when the receiver starts listening (enable). */
  config(): HepConfig | undefined;
  meta: Pick<MetaPeers, 'metaSide' | 'retain' | 'release' | 'need'>;
  observe(o: SipObservation): void;
  onError(where: string, err: unknown): void;
  onStartError(err: unknown): void;
  /** Told about every SIP packet with or without a Meta leg (warns once when none has one). */
  unexplained?: Pick<UnexplainedHepTraffic, 'explained' | 'unexplainedLeg'>;
  /** Clock for the rate limiter, ms (tests). */
  now?(): number;
}

interface Settings {
  authKey?: Buffer;
  maxMessageBytes: number;
  maxBufferedBytes: number;
  limiter: SourceRateLimiter;
}

interface Connection {
  framer: Hep3StreamFramer;
  from: string;
  held: number;
  droppedBytes: number;
  oversized: number;
}

interface Listener {
  udp?: dgram.Socket;
  tcp?: net.Server;
  host: string;
  settings: Settings;
  connections: Map<net.Socket, Connection>;
}

/** HEP `ip protocol` values: IANA numbers, plus 22 that Kamailio uses for TLS. */
const TRANSPORTS: Record<number, 'tcp' | 'udp' | 'tls'> = { 6: 'tcp', 17: 'udp', 22: 'tls' };

export class HepReceiver {
  /** Cumulative over restarts. */
  readonly stats: HepReceiverStats = newHepStats();
  private listener?: Listener;
  private starting?: Promise<Listener | undefined>;
  private closing?: Promise<void>;
  private active = false;

  constructor(private readonly o: HepReceiverOptions) {}

  /** Starts listening when `hep` is configured; never throws (a failed bind is reported, see `ready`). */
  enable(): void {
    if (this.active) return;
    const config = this.o.config();
    if (!config) return;
    this.active = true;
    this.o.meta.retain();
    this.o.meta.need();
    this.starting = this.listen(config).catch((err) => {
      this.o.onStartError(err);
      return undefined;
    });
  }

  disable(): void {
    if (!this.active) return;
    this.active = false;
    this.o.meta.release();
    const starting = this.starting ?? Promise.resolve(undefined);
    this.starting = undefined;
    this.closing = starting.then((l) => (l ? this.closeListener(l) : undefined));
  }

  get listening(): boolean {
    return this.listener !== undefined;
  }

  /** Resolves once the receiver listens, or failed to (then `addresses()` is empty). */
  async ready(): Promise<void> {
    await this.starting;
  }

  /** enable() and wait until listening. */
  async start(): Promise<void> {
    this.enable();
    await this.ready();
  }

  /** disable() and wait until the sockets are closed. */
  async stop(): Promise<void> {
    this.disable();
    await this.closing;
  }

  addresses(): { host?: string; udp?: number; tcp?: number } {
    const l = this.listener;
    if (!l) return {};
    return { host: l.host, udp: l.udp?.address().port, tcp: (l.tcp?.address() as net.AddressInfo | null)?.port };
  }

  /** One HEP packet from `from` (a source address), through the same caps as the network path. */
  onPacket(bytes: Buffer, from = 'local'): void {
    const l = this.listener;
    this.stats.received++;
    if (l && bytes.length > l.settings.maxMessageBytes) return this.drop('too_large');
    if (l && !l.settings.limiter.take(from)) return this.drop('rate_limited');
    this.handle(bytes, l?.settings);
  }

  private async listen(config: HepConfig): Promise<Listener> {
    const host = config.host ?? '127.0.0.1';
    const l: Listener = { host, settings: settingsOf(config, this.o.now), connections: new Map() };
    try {
      l.tcp = net.createServer((socket) => this.onConnection(l, socket));
      l.tcp.maxConnections = positiveInt(config.maxConnections, 64);
      l.tcp.on('drop', () => this.drop('too_many_connections'));
      await new Promise<void>((resolve, reject) => l.tcp!.once('error', reject).listen(config.port, host, () => resolve()));
      l.tcp.on('error', (err) => this.o.onError('HEP TCP listener', err));
      const port = (l.tcp.address() as net.AddressInfo).port;
      l.udp = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
      l.udp.on('message', (msg, rinfo) => this.onPacket(msg, normalizeIp(rinfo.address)));
      await new Promise<void>((resolve, reject) => l.udp!.once('error', reject).bind(port, host, () => resolve()));
      l.udp.on('error', (err) => this.o.onError('HEP UDP socket', err));
      l.udp.unref();
      l.tcp.unref();
    } catch (err) {
      await this.closeListener(l);
      throw err;
    }
    this.listener = l;
    return l;
  }

  private async closeListener(l: Listener): Promise<void> {
    if (this.listener === l) this.listener = undefined;
    for (const socket of l.connections.keys()) socket.destroy();
    const udp = l.udp;
    const tcp = l.tcp;
    l.udp = undefined;
    l.tcp = undefined;
    await Promise.all([
      new Promise<void>((r) => {
        try {
          if (udp) udp.close(() => r());
          else r();
        } catch {
          r(); // never bound, or already closed
        }
      }),
      new Promise<void>((r) => (tcp?.listening ? tcp.close(() => r()) : r())),
    ]);
    l.settings.limiter.clear();
  }

  private onConnection(l: Listener, socket: net.Socket): void {
    const conn: Connection = {
      framer: new Hep3StreamFramer({ maxBufferBytes: l.settings.maxMessageBytes }),
      from: normalizeIp(socket.remoteAddress ?? ''),
      held: 0,
      droppedBytes: 0,
      oversized: 0,
    };
    l.connections.set(socket, conn);
    this.stats.connections++;
    socket.on('data', (chunk: Buffer) => this.onStreamData(l, socket, conn, chunk));
    socket.on('error', () => socket.destroy());
    socket.once('close', () => {
      l.connections.delete(socket);
      this.stats.connections--;
      this.hold(conn, 0);
    });
  }

  private onStreamData(l: Listener, socket: net.Socket, conn: Connection, chunk: Buffer): void {
    try {
      const f = conn.framer;
      const packets = f.push(chunk);
      const oversized = Math.max(0, f.oversizedPackets - conn.oversized);
      const droppedBytes = Math.max(0, f.droppedBytes - conn.droppedBytes);
      conn.oversized = f.oversizedPackets;
      conn.droppedBytes = f.droppedBytes;
      this.stats.received += oversized;
      this.stats.droppedBytes += droppedBytes;
      this.drop('too_large', oversized);
      if (droppedBytes > 0 && oversized === 0) this.drop('malformed');
      for (const p of packets) {
        this.stats.received++;
        if (!l.settings.limiter.take(conn.from)) this.drop('rate_limited');
        else this.handle(p, l.settings);
      }
      this.hold(conn, f.bufferedBytes);
      if (this.stats.bufferedBytes > l.settings.maxBufferedBytes) {
        this.drop('buffer_full');
        f.reset();
        conn.oversized = conn.droppedBytes = 0;
        this.hold(conn, 0);
        socket.destroy();
      }
      // Measured once the read is handled: what stays held until the next one.
      this.stats.peakBufferedBytes = Math.max(this.stats.peakBufferedBytes, this.stats.bufferedBytes);
    } catch (err) {
      this.o.onError('HEP TCP stream', err);
    }
  }

  /** Tracks the bytes a connection's framer holds in the total. */
  private hold(conn: Connection, bytes: number): void {
    this.stats.bufferedBytes += bytes - conn.held;
    conn.held = bytes;
  }

  private handle(bytes: Buffer, settings: Settings | undefined): void {
    try {
      const p = decodeHep3(bytes);
      if (!p) return this.drop('malformed');
      if (settings?.authKey && !sameKey(settings.authKey, p.authKey)) return this.drop('auth_failed');
      if (p.protocolType !== undefined && p.protocolType !== 1) {
        this.stats.ignored.not_sip++;
        return;
      }
      const side = this.o.meta.metaSide({ ip: p.srcIp, port: p.srcPort }, { ip: p.dstIp, port: p.dstPort });
      if (side === undefined) {
        this.stats.ignored.other_leg++;
        this.o.unexplained?.unexplainedLeg(`${p.srcIp}:${p.srcPort}`, `${p.dstIp}:${p.dstPort}`);
        return;
      }
      const message = parseSipMessage(p.payload);
      if (!message) return this.drop('malformed');
      this.o.unexplained?.explained();
      this.stats.accepted++;
      const fromBusiness = side === 'dst';
      this.o.observe({
        message,
        fromBusiness,
        at: p.timestampMs ?? Date.now(),
        source: 'hep',
        transport: TRANSPORTS[p.ipProtocol ?? 17] ?? 'udp',
        peerAddress: fromBusiness ? p.dstIp : p.srcIp,
        peerPort: fromBusiness ? p.dstPort : p.srcPort,
      });
    } catch (err) {
      this.o.onError('HEP packet', err);
    }
  }

  private drop(reason: HepDropReason, n = 1): void {
    this.stats.dropped[reason] += n;
  }
}

function settingsOf(config: HepConfig, now?: () => number): Settings {
  const maxMessageBytes = Math.min(HEP3_MAX_PACKET, Math.max(64, positiveInt(config.maxMessageBytes, 32 * 1024)));
  const rate = config.maxPacketsPerSecond === Infinity ? Infinity : positiveInt(config.maxPacketsPerSecond, 5000);
  return {
    authKey: config.authKey !== undefined && config.authKey !== '' ? Buffer.from(config.authKey, 'utf8') : undefined,
    maxMessageBytes,
    maxBufferedBytes: Math.max(maxMessageBytes, positiveInt(config.maxBufferedBytes, 1024 * 1024)),
    limiter: new SourceRateLimiter(rate, { maxSources: 1024, now }),
  };
}

function positiveInt(v: number | undefined, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 1 ? Math.floor(v) : fallback;
}
