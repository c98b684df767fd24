/**
 * The configuration forms that say where Meta is: `sipPeers` (`host:port`, a name or an IP) and HEP
 * `metaAddresses` (`ip`, `ip:port`, `[ipv6]:port` or a CIDR block). Parsing only; the decision is
 * MetaPeers'.
 */
import * as net from 'node:net';

export interface SipPeer {
  /** Lower-case host name or normalised IP. */
  host: string;
  port: number;
}

export const DEFAULT_SIP_PEERS = ['wa.meta.vc:5061'];

export function parseSipPeers(entries: readonly string[], onInvalid?: (e: string) => void): SipPeer[] {
  const peers: SipPeer[] = [];
  for (const entry of entries) {
    const m = /^\[?([^\]\s]+?)\]?:(\d{1,5})$/.exec(String(entry).trim());
    const port = m ? Number(m[2]) : NaN;
    if (!m || port < 1 || port > 65535) onInvalid?.(entry);
    else peers.push({ host: net.isIP(m[1]) ? normalizeIp(m[1]) : m[1].toLowerCase(), port });
  }
  return peers;
}

/** An IP the way every source compares it: lower case, no brackets, IPv4-mapped IPv6 as IPv4. */
export function normalizeIp(ip: string): string {
  if (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip)) return ip; // the common case, already normal
  let s = ip.trim().toLowerCase();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (s.startsWith('::ffff:') && net.isIPv4(s.slice(7))) s = s.slice(7);
  return s;
}

export interface MetaAddresses {
  /** `ip:port` entries. */
  endpoints: SipPeer[];
  /** Bare IPs and CIDR blocks: Meta's on every port. */
  blocks: net.BlockList;
  blockCount: number;
}

export function parseMetaAddresses(entries: readonly string[], onInvalid?: (e: string) => void): MetaAddresses {
  const out: MetaAddresses = { endpoints: [], blocks: new net.BlockList(), blockCount: 0 };
  for (const raw of entries) {
    const entry = String(raw).trim();
    const cidr = /^([^/\s]+)\/(\d{1,3})$/.exec(entry);
    const withPort = /^\[([^\]\s]+)\]:(\d{1,5})$/.exec(entry) ?? /^([^:\s]+):(\d{1,5})$/.exec(entry);
    try {
      if (cidr && net.isIP(cidr[1])) {
        const family = net.isIPv6(cidr[1]) ? 'ipv6' : 'ipv4';
        const prefix = Number(cidr[2]);
        if (prefix > (family === 'ipv6' ? 128 : 32)) throw new RangeError('prefix');
        out.blocks.addSubnet(normalizeIp(cidr[1]), prefix, family);
        out.blockCount++;
      } else if (net.isIP(entry) || (net.isIP(entry.replace(/^\[|\]$/g, '')) && entry.startsWith('['))) {
        const ip = normalizeIp(entry);
        out.blocks.addAddress(ip, net.isIPv6(ip) ? 'ipv6' : 'ipv4');
        out.blockCount++;
      } else if (withPort && net.isIP(withPort[1]) && Number(withPort[2]) >= 1 && Number(withPort[2]) <= 65535) {
        out.endpoints.push({ host: normalizeIp(withPort[1]), port: Number(withPort[2]) });
      } else {
        onInvalid?.(raw);
      }
    } catch {
      onInvalid?.(raw);
    }
  }
  return out;
}

/** Is `ip` inside one of the blocks? Never throws (a malformed address is simply not inside). */
export function inBlocks(blocks: net.BlockList, ip: string): boolean {
  try {
    return blocks.check(ip, net.isIPv6(ip) ? 'ipv6' : 'ipv4');
  } catch {
    return false;
  }
}
