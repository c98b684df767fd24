/**
 * The media security mode read from the business's SDP: `dtls`, `sdes` or `unknown`, from JSON bodies,
 * bodies truncated at the inspection limit and form posts; nothing else of the SDP is kept.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mediaSecurityOfSdp } from '../src/graph/media-security';
import { parseRequestBody } from '../src/graph/request-body';

const DTLS = 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=setup:actpass\r\na=fingerprint:sha-256 AB:CD\r\n';
const SDES = 'v=0\r\nm=audio 9 RTP/SAVPF 111\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:SECRETKEY\r\n';
const body = (sdp: string) => JSON.stringify({ messaging_product: 'whatsapp', call_id: 'wacid.X', action: 'accept', session: { sdp_type: 'answer', sdp } });

describe('media security of an SDP', () => {
  it('is dtls for a=fingerprint/a=setup, sdes for a=crypto, unknown for neither or both', () => {
    expect(mediaSecurityOfSdp(DTLS)).toBe('dtls');
    expect(mediaSecurityOfSdp(SDES)).toBe('sdes');
    expect(mediaSecurityOfSdp('v=0\r\nm=audio 9 RTP/AVP 0\r\n')).toBe('unknown');
    expect(mediaSecurityOfSdp(DTLS + 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:K\r\n')).toBe('unknown');
  });

  it('is read from the session of a JSON body, a truncated JSON body and a form body', () => {
    expect(parseRequestBody(body(DTLS)).mediaSecurity).toBe('dtls');
    expect(parseRequestBody(body(SDES)).mediaSecurity).toBe('sdes');
    const truncated = body(SDES + 'x'.repeat(100)).slice(0, -20);
    expect(parseRequestBody(truncated).mediaSecurity).toBe('sdes');
    const form = new URLSearchParams({ action: 'accept', call_id: 'wacid.X', session: JSON.stringify({ sdp_type: 'answer', sdp: DTLS }) }).toString();
    expect(parseRequestBody(form).mediaSecurity).toBe('dtls');
  });

  it('is absent for bodies without an SDP', () => {
    expect(parseRequestBody(JSON.stringify({ action: 'terminate', call_id: 'wacid.X' })).mediaSecurity).toBeUndefined();
    expect(parseRequestBody('{"action":"terminate","call_id":"wacid.X"').mediaSecurity).toBeUndefined();
  });

  it('never throws and only ever yields one of the three modes, whatever the SDP or body', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), fc.string({ maxLength: 200 }), (sdp, junk) => {
        expect(['dtls', 'sdes', 'unknown']).toContain(mediaSecurityOfSdp(sdp));
        const parsed = parseRequestBody(body(sdp + junk).slice(0, 1 + junk.length));
        if (parsed.mediaSecurity !== undefined) expect(['dtls', 'sdes', 'unknown']).toContain(parsed.mediaSecurity);
      }),
    );
  });
});
