/**
 * The media security mode a business's SDP declares — the only thing about its SDP we ever record
 * (SDP holds ICE passwords and SRTP keys). Meta's first suggestion against clipped audio at call start is
 * SDES instead of DTLS: a DTLS handshake can only start once Meta has the business's SDP.
 *
 * `sdes`: `a=crypto` lines (their keys are never read further); `dtls`: `a=fingerprint`/`a=setup`;
 * `unknown`: neither, or both (an offer that lets the peer choose).
 */
export type MediaSecurity = 'dtls' | 'sdes' | 'unknown';

// Line starts in SDP text, or in SDP still JSON-escaped inside a truncated body (`\r\n` as `\\r\\n`).
const CRYPTO = /(?:^|\n|\\n)a=crypto:/;
const DTLS = /(?:^|\n|\\n)a=(?:fingerprint|setup):/;

export function mediaSecurityOfSdp(sdp: string): MediaSecurity {
  const sdes = CRYPTO.test(sdp);
  const dtls = DTLS.test(sdp);
  if (sdes && !dtls) return 'sdes';
  if (dtls && !sdes) return 'dtls';
  return 'unknown';
}
