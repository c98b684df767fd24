/**
 * IP address bytes ↔ text without node:net. IPv6 text is what Node itself prints for a socket
 * address (libuv's inet_ntop): lower-case hex, no leading zeros, the first longest run of two or more
 * zero groups as `::`, and dotted IPv4 for `::ffff:a.b.c.d` and `::a.b.c.d`.
 */

export function formatIpv4(b: Uint8Array, off = 0): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

export function formatIpv6(b: Uint8Array, off = 0): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((b[off + 2 * i] << 8) | b[off + 2 * i + 1]);
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  if (bestLen < 2) best = -1;
  if (best === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
    return `${bestLen === 6 ? '::' : '::ffff:'}${formatIpv4(b, off + 12)}`;
  }
  if (best === -1) return words.map(hex).join(':');
  return `${words.slice(0, best).map(hex).join(':')}::${words
    .slice(best + bestLen)
    .map(hex)
    .join(':')}`;
}

const hex = (w: number): string => w.toString(16);

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const GROUP = /^[0-9a-fA-F]{1,4}$/;

export function parseIpv4(text: string): Buffer | undefined {
  const m = V4.exec(text);
  return m ? Buffer.from([Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])]) : undefined;
}

/** 16 bytes of an IPv6 text address (`::`, embedded dotted IPv4 accepted; zone ids are not). */
export function parseIpv6(text: string): Buffer | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const words = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const groups = part.split(':');
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = parseIpv4(g);
        if (!v4) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (GROUP.test(g)) out.push(parseInt(g, 16));
      else return undefined;
    }
    return out;
  };
  const head = words(halves[0]);
  const tail = halves.length === 2 ? words(halves[1]) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1 ? head.length !== 8 : head.length + tail.length > 7) return undefined;
  // An embedded IPv4 may only end the address.
  if (halves.length === 2 && halves[0].includes('.')) return undefined;
  const all = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  const b = Buffer.alloc(16);
  all.forEach((w, i) => b.writeUInt16BE(w, i * 2));
  return b;
}
