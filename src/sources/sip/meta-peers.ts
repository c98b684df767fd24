/**
 * The one answer to "is this peer Meta?" for every SIP source: the socket tap, the library taps and
 * the HEP receiver all ask here. Meta's side is known from
 * - `sipPeers` (`host:port`, default `wa.meta.vc:5061`): IP entries directly, host names through DNS
 *   (PeerNameResolution, refreshed in the background);
 * - HEP `metaAddresses` (`ip:port`, or a bare IP / CIDR block that is Meta's on every port);
 * - addresses a SIP library sent a request for a configured host name to (learned, bounded).
 *
 * Two strengths of match: an **endpoint** (this IP and port are Meta's SIP service) and an
 * **address** (only the IP is Meta's: a connection Meta opened comes from an ephemeral port). Who
 * initiated decides which is enough: a connection the app opens must reach an endpoint; a
 * connection Meta opens, a library's remote peer, or one side of a HEP leg may match by address.
 */
import * as net from 'node:net';
import { PeerNameResolution } from './peer-name-resolution';
import type { HostResolver, NameStatus } from './peer-name-resolution';
import { DEFAULT_SIP_PEERS, inBlocks, normalizeIp, parseMetaAddresses, parseSipPeers } from './sip-peers';
import type { MetaAddresses } from './sip-peers';

export type MetaMatch = 'endpoint' | 'address';

export interface MetaPeersOptions {
  /** Read on every question, so configuration changes apply at once. */
  config(): { sipPeers?: readonly string[]; hep?: { metaAddresses?: readonly string[] } };
  warn(message: string): void;
  debug(message: string): void;
  /** Host-name resolution for `sipPeers` (tests inject a fake). Default: node:dns `lookup`, all addresses. */
  resolve?: HostResolver;
  /** Between DNS refreshes. Default 5 min. */
  refreshMs?: number;
}

const MAX_LEARNED = 256;

interface Parsed {
  sipPeers: readonly string[];
  metaAddresses: readonly string[] | undefined;
  /** host name → the ports configured for it */
  names: Map<string, Set<number>>;
  /** IP → ports that are Meta's SIP endpoints (configured) */
  endpoints: Map<string, Set<number>>;
  blocks: MetaAddresses['blocks'];
  blockCount: number;
  blockCache: Map<string, boolean>;
  ports: Set<number>;
}

export class MetaPeers {
  private parsed?: Parsed;
  /** IP → ports, from resolved names (rebuilt when an answer changes). */
  private resolved = new Map<string, Set<number>>();
  private readonly learned = new Map<string, Set<number>>();
  private learnedCount = 0;
  private readonly dns: PeerNameResolution;
  private needed = false;
  private users = 0;

  constructor(private readonly o: MetaPeersOptions) {
    this.dns = new PeerNameResolution({
      resolve: o.resolve,
      refreshMs: o.refreshMs,
      normalize: normalizeIp,
      onChange: () => this.rebuildResolved(),
      onFailure: (name, err) => o.debug(`could not resolve sipPeers host ${name} (${failureText(err)}); keeping the addresses known so far`),
    });
  }

  /** A source that may ask is active (the socket tap or the HEP receiver enabled). */
  retain(): void {
    this.users++;
    if (this.needed) this.dns.start();
  }

  release(): void {
    this.users = Math.max(0, this.users - 1);
    if (this.users === 0) this.dns.stop();
  }

  /**
   * Something needs IP-level answers (HEP started, the app created a server or started a SIP
   * library, a question about an IP came in): start resolving `sipPeers` names. An app that never
   * speaks SIP never looks Meta's names up.
   */
  need(): void {
    this.current();
    if (this.needed) return;
    this.needed = true;
    if (this.users > 0) this.dns.start();
  }

  /** Resolves the names now (tests and the sidecar can wait for it). Never rejects. */
  refresh(): Promise<void> {
    this.need();
    return this.dns.refresh();
  }

  /** How strongly `ip` (and `port`) is Meta's, or undefined when it is not. */
  classify(ip: string | undefined, port: number | undefined): MetaMatch | undefined {
    if (!ip) return undefined;
    const p = this.current();
    if (!this.needed) this.need();
    const addr = normalizeIp(ip);
    if (port !== undefined && (p.endpoints.get(addr)?.has(port) || this.resolved.get(addr)?.has(port) || this.learned.get(addr)?.has(port))) return 'endpoint';
    if (p.blockCount > 0 && this.inBlocks(p, addr)) return 'endpoint';
    if (p.endpoints.has(addr) || this.resolved.has(addr) || this.learned.has(addr)) return 'address';
    return undefined;
  }

  /** net.BlockList.check costs microseconds; a HEP stream shows few distinct addresses, so remember them. */
  private inBlocks(p: Parsed, addr: string): boolean {
    let hit = p.blockCache.get(addr);
    if (hit === undefined) {
      if (p.blockCache.size >= 4096) p.blockCache.clear();
      hit = inBlocks(p.blocks, addr);
      p.blockCache.set(addr, hit);
    }
    return hit;
  }

  /** A connection the app opens to `host` (name or IP) and `port`: a configured peer's name, or an endpoint. */
  isMetaTarget(host: string | undefined, port: number | undefined): boolean {
    if (!host || port === undefined) return false;
    // Port first: a connection to some other service by IP must not even start a DNS lookup.
    if (net.isIP(host.replace(/^\[|\]$/g, ''))) return this.isPeerPort(port) && this.classify(host, port) === 'endpoint';
    return this.current().names.get(host.toLowerCase())?.has(port) === true;
  }

  /** Could a connection to this port reach Meta (to be decided once its address is known)? */
  isPeerPort(port: number | undefined): boolean {
    if (port === undefined) return false;
    const p = this.current();
    return p.ports.has(port) || p.blockCount > 0 || [...this.learned.values()].some((ports) => ports.has(port));
  }

  /**
   * A SIP library's remote peer. `requestHost` (the Request-URI host of a request the business sends,
   * e.g. `wa.meta.vc`) teaches the address when the library resolved a configured name itself.
   */
  isMetaPeer(address: string | undefined, port: number | undefined, requestHost?: string): boolean {
    if (!address) return false;
    if (this.classify(address, port) !== undefined) return true;
    if (port !== undefined && requestHost && this.current().names.has(requestHost.toLowerCase())) {
      this.learn(address, port);
      return true;
    }
    return false;
  }

  /**
   * A HEP leg: which side is Meta's. An endpoint match on exactly one side decides; otherwise an
   * address match on exactly one side; both or neither: not a leg with Meta (e.g. proxy ↔ media).
   */
  metaSide(src: { ip?: string; port?: number }, dst: { ip?: string; port?: number }): 'src' | 'dst' | undefined {
    const s = this.classify(src.ip, src.port);
    const d = this.classify(dst.ip, dst.port);
    if ((s === 'endpoint') !== (d === 'endpoint')) return s === 'endpoint' ? 'src' : 'dst';
    if (s === 'endpoint') return undefined;
    if ((s !== undefined) !== (d !== undefined)) return s !== undefined ? 'src' : 'dst';
    return undefined;
  }

  /** Every `sipPeers` name has had at least one DNS answer or failure (or nothing needs resolving). */
  get settled(): boolean {
    this.current();
    return this.dns.settled;
  }

  nameStatus(): NameStatus[] {
    this.current();
    return this.dns.status();
  }

  /** One line on what is known, for diagnostics. */
  describe(): string {
    const p = this.current();
    const names = this.dns
      .status()
      .map(
        (s) =>
          `${s.name} → ${s.addresses.length ? s.addresses.join(' ') : s.error ? `unresolved (${s.error})` : s.attempted ? 'no addresses' : 'not resolved yet'}`,
      );
    const ips = [...p.endpoints].map(([ip, ports]) => `${ip}:${[...ports].join('/')}`);
    return `sipPeers [${p.sipPeers.join(', ')}]${names.length ? ` (${names.join('; ')})` : ''}${ips.length ? `, IP peers ${ips.join(' ')}` : ''}; hep.metaAddresses [${(p.metaAddresses ?? []).join(', ')}]`;
  }

  private learn(address: string, port: number): void {
    if (this.learnedCount >= MAX_LEARNED) {
      this.learned.clear();
      this.learnedCount = 0;
    }
    const ip = normalizeIp(address);
    const ports = this.learned.get(ip) ?? new Set<number>();
    if (!ports.has(port)) this.learnedCount++;
    this.learned.set(ip, ports.add(port));
  }

  /** The parsed configuration, re-parsed when `sipPeers` or `hep.metaAddresses` is replaced. */
  private current(): Parsed {
    const config = this.o.config();
    const sipPeers = config.sipPeers ?? DEFAULT_SIP_PEERS;
    const metaAddresses = config.hep?.metaAddresses;
    const p = this.parsed;
    if (p && p.sipPeers === sipPeers && p.metaAddresses === metaAddresses) return p;
    if (p && sameList(p.sipPeers, sipPeers) && sameList(p.metaAddresses, metaAddresses)) {
      // Equal lists in new arrays (a config rebuilt per call): keep the parse, and warn only once.
      p.sipPeers = sipPeers;
      p.metaAddresses = metaAddresses;
      return p;
    }
    const names = new Map<string, Set<number>>();
    const endpoints = new Map<string, Set<number>>();
    const ports = new Set<number>();
    const add = (m: Map<string, Set<number>>, host: string, port: number) => m.set(host, (m.get(host) ?? new Set<number>()).add(port));
    for (const peer of parseSipPeers(sipPeers, (e) => this.o.warn(`ignoring invalid sipPeers entry: ${e}`))) {
      add(net.isIP(peer.host) ? endpoints : names, peer.host, peer.port);
      ports.add(peer.port);
    }
    const meta = parseMetaAddresses(metaAddresses ?? [], (e) =>
      this.o.warn(`ignoring invalid hep.metaAddresses entry: ${e} (use ip, ip:port, [ipv6]:port or a CIDR block)`),
    );
    for (const e of meta.endpoints) {
      add(endpoints, e.host, e.port);
      ports.add(e.port);
    }
    this.parsed = { sipPeers, metaAddresses, names, endpoints, blocks: meta.blocks, blockCount: meta.blockCount, blockCache: new Map(), ports };
    this.dns.setNames(names.keys());
    this.rebuildResolved(); // the names' ports may have changed
    return this.parsed;
  }

  private rebuildResolved(): void {
    const names = this.parsed?.names;
    const resolved = new Map<string, Set<number>>();
    for (const [name, ports] of names ?? []) {
      for (const ip of this.dns.addresses(name)) resolved.set(ip, new Set([...(resolved.get(ip) ?? []), ...ports]));
    }
    this.resolved = resolved;
  }
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.length === b.length && a.every((v, i) => v === b[i]));
}

/** A resolver failure for the debug line: its code (ETIMEOUT, ENOTFOUND…), or else the error as text. */
function failureText(err: unknown): string {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : String(err);
}
