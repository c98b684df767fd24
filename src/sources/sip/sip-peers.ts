/** Which connections are SIP signalling to Meta: `host:port` entries; an IP entry also matches by address. */
export interface SipPeer {
  host: string;
  port: number;
}

export const DEFAULT_SIP_PEERS = ['wa.meta.vc:5061'];

export function parseSipPeers(entries: readonly string[], onInvalid?: (e: string) => void): SipPeer[] {
  const peers: SipPeer[] = [];
  for (const entry of entries) {
    const m = /^\[?([^\]\s]+?)\]?:(\d{1,5})$/.exec(entry.trim());
    const port = m ? Number(m[2]) : NaN;
    if (!m || port < 1 || port > 65535) onInvalid?.(entry);
    else peers.push({ host: m[1].toLowerCase(), port });
  }
  return peers;
}

export function matchesPeer(peers: readonly SipPeer[], host: string | undefined, port: number | undefined): SipPeer | undefined {
  if (!host || port === undefined) return undefined;
  const h = host.toLowerCase().replace(/^::ffff:/, '');
  return peers.find((p) => p.port === port && p.host === h);
}
