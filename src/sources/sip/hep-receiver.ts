/**
 * Source 4: SBCs (Kamailio, OpenSIPS, FreeSWITCH) that export HEPv3 copies of their SIP traffic.
 * Listens on UDP and TCP (same port number), decodes packets with our own decoder, and turns SIP
 * payloads into observations. A proxy's stream holds each message once per leg: only the leg where
 * one side is Meta (a configured Meta address) is used, which also says who sent what.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { decodeHep3, Hep3StreamFramer } from '../../sip/hep';
import type { Hep3Packet } from '../../sip/hep';
import type { SipObservation } from '../../sip/tracking/sip-observation';
import { parseSipMessage } from '../../sip/wire';

export interface HepConfig {
  /** Port for both UDP and TCP; 0 picks a free one (see `addresses()`). */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Packets whose HEP auth key differs are dropped. */
  authKey?: string;
  /**
   * Meta's side: `ip` or `ip:port` entries. Default: the IP entries of `sipPeers`. A packet between
   * two non-Meta addresses (another leg of a proxy) is ignored.
   */
  metaAddresses?: string[];
}

export interface HepReceiverDeps {
  observe(o: SipObservation): void;
  /** Read per packet, so configuration changes apply at once. */
  metaAddresses(): readonly string[];
  onError(where: string, err: unknown): void;
}

const MAX_CONNECTIONS = 64;
/** HEP `ip protocol` values: IANA numbers, plus 22 that Kamailio uses for TLS. */
const TRANSPORTS: Record<number, 'tcp' | 'udp' | 'tls'> = { 6: 'tcp', 17: 'udp', 22: 'tls' };

export class HepReceiver {
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly config: HepConfig, private readonly deps: HepReceiverDeps) {}

  async start(): Promise<void> {
    const host = this.config.host ?? '127.0.0.1';
    this.tcp = net.createServer((socket) => this.onConnection(socket));
    this.tcp.maxConnections = MAX_CONNECTIONS;
    await new Promise<void>((resolve, reject) => this.tcp!.once('error', reject).listen(this.config.port, host, () => resolve()));
    const port = (this.tcp.address() as net.AddressInfo).port;
    this.udp = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    this.udp.on('message', (msg) => this.onPacket(msg));
    this.udp.on('error', (err) => this.deps.onError('HEP UDP socket', err));
    await new Promise<void>((resolve, reject) => this.udp!.once('error', reject).bind(port, host, () => resolve()));
    this.udp.unref();
    this.tcp.unref();
  }

  addresses(): { udp?: number; tcp?: number } {
    return { udp: this.udp?.address().port, tcp: (this.tcp?.address() as net.AddressInfo | null)?.port };
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all([
      new Promise<void>((r) => (this.udp ? this.udp.close(() => r()) : r())),
      new Promise<void>((r) => (this.tcp ? this.tcp.close(() => r()) : r())),
    ]);
    this.udp = undefined;
    this.tcp = undefined;
  }

  private onConnection(socket: net.Socket): void {
    this.sockets.add(socket);
    const framer = new Hep3StreamFramer();
    socket.on('data', (chunk: Buffer) => {
      for (const packet of framer.push(chunk)) this.onPacket(packet);
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }

  onPacket(bytes: Buffer): void {
    try {
      const p = decodeHep3(bytes);
      if (!p || (p.protocolType !== undefined && p.protocolType !== 1)) return;
      if (this.config.authKey !== undefined && p.authKey !== this.config.authKey) return;
      const fromBusiness = this.direction(p);
      if (fromBusiness === undefined) return;
      const message = parseSipMessage(p.payload);
      if (!message) return;
      this.deps.observe({
        message,
        fromBusiness,
        at: p.timestampMs ?? Date.now(),
        source: 'hep',
        transport: TRANSPORTS[p.ipProtocol ?? 17] ?? 'udp',
        peerAddress: fromBusiness ? p.dstIp : p.srcIp,
        peerPort: fromBusiness ? p.dstPort : p.srcPort,
      });
    } catch (err) {
      this.deps.onError('HEP packet', err);
    }
  }

  /** true: business → Meta; false: Meta → business; undefined: not a leg with Meta on one side. */
  private direction(p: Hep3Packet): boolean | undefined {
    const meta = this.deps.metaAddresses();
    const isMeta = (ip?: string, port?: number) => ip !== undefined && meta.some((m) => m === ip || m === `${ip}:${port}`);
    const src = isMeta(p.srcIp, p.srcPort);
    const dst = isMeta(p.dstIp, p.dstPort);
    if (src === dst) return undefined;
    return dst;
  }
}
