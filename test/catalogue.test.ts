import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERROR_CATEGORIES, GRAPH_ERROR_ENTRIES, classifyGraphError, classifySipResponse, lookupGraphError } from '../src/catalogue';

const EXPECTED: Record<string, number[]> = {
  invalid_request: [100, 131009],
  auth: [190],
  permission: [138006, 131030, 138017, 10, 200, 299],
  configuration: [138000, 138013, 138015, 138018, 131055],
  account_restricted: [138014, 131044],
  rate_limited: [613, 138005, 138009],
  concurrency_limit: [138002],
  daily_quota: [138012],
  duplicate_call: [138003],
  recipient_unavailable: [138001],
  connection: [138004, 138019, 138020],
  connect_timeout: [138007],
  media_timeout: [138021, 138022, 138023],
  server: [131000, 131016],
  unknown: [138011, 3, 999999],
};

describe('Graph error catalogue', () => {
  it.each(Object.entries(EXPECTED))('maps the codes of %s to it', (category, codes) => {
    for (const code of codes) expect(classifyGraphError({ code }).category).toBe(category);
  });

  it('knows every calling code of the reference with an HTTP status, a channel and a remedy', () => {
    for (const code of [100, 613, 131009, 131030, 131044, 131055, 138000, 138001, 138002, 138003, 138004, 138005, 138006, 138007, 138009, 138012, 138013, 138014, 138015, 138017, 138018, 138019, 138020, 138021, 138022, 138023]) {
      const e = lookupGraphError(code);
      expect(e?.httpStatus, String(code)).toBeGreaterThanOrEqual(400);
      expect(e?.remedy.length, String(code)).toBeGreaterThan(20);
      expect(e?.title.length).toBeGreaterThan(3);
    }
    expect(lookupGraphError(138021)).toMatchObject({ channel: 'calls_webhook', mediaTimeoutKind: 'receive' });
    expect(lookupGraphError(138023)?.mediaTimeoutKind).toBe('no_media_signals');
  });

  it('falls back to the HTTP status for unknown codes', () => {
    expect(classifyGraphError({ httpStatus: 502 }).category).toBe('server');
    expect(classifyGraphError({ code: 424242, httpStatus: 503 }).category).toBe('server');
    expect(classifyGraphError({ code: 424242, httpStatus: 429 }).category).toBe('rate_limited');
    expect(classifyGraphError({ httpStatus: 401 }).category).toBe('auth');
    expect(classifyGraphError({ httpStatus: 404 }).category).toBe('unknown');
  });

  it('only uses documented categories', () => {
    for (const e of GRAPH_ERROR_ENTRIES) expect(ERROR_CATEGORIES).toContain(e.category);
  });
});

describe('SIP status catalogue', () => {
  const c = classifySipResponse;
  it("classifies each of Meta's 403 texts, by reason phrase or by Warning: 399", () => {
    expect(c({ status: 403, reason: 'SIP server sip.example.com from INVITE does not match any SIP server configured for phone number id 123' }).category).toBe('configuration');
    expect(c({ status: 403, reason: 'No Approved Call Permission Found: No approved call permission from the recipient' }).category).toBe('permission');
    expect(c({ status: 403, reason: 'The app 42 configured for SIP server sip.example.com is not authorized for phone number id 123' }).category).toBe('configuration');
    expect(c({ status: 403, reason: 'Business Initiated Connected Call Per Day Limit Hit' })).toMatchObject({ category: 'daily_quota', key: 'sip_403_daily_limit' });
    expect(c({ status: 403, reason: 'Forbidden', warning: '399 wa.meta.vc "Business Initiated Connected Call Per Day Limit Hit"' }).category).toBe('daily_quota');
    expect(c({ status: 403, reason: 'Forbidden', warning: '399 wa.meta.vc "No Approved Call Permission Found"' }).category).toBe('permission');
    expect(c({ status: 403, reason: 'Forbidden', credentialsSent: true }).category).toBe('auth');
    expect(c({ status: 403, reason: 'Forbidden' }).category).toBe('permission');
  });

  it('treats a 407 challenge and a 487 after CANCEL as normal, but not a second challenge', () => {
    expect(c({ status: 407 }).isError).toBe(false);
    expect(c({ status: 407, credentialsSent: true })).toMatchObject({ isError: true, category: 'auth' });
    expect(c({ status: 487, cancelled: true }).isError).toBe(false);
    expect(c({ status: 487 }).isError).toBe(true);
  });

  it('maps 400, 404, 408, 480, 486, 500 and 503', () => {
    expect(c({ status: 400, reason: 'Asset not found, invalid business phone number' }).category).toBe('configuration');
    expect(c({ status: 404 }).category).toBe('configuration');
    expect(c({ status: 408, reason: 'RTP Timeout' })).toMatchObject({ category: 'media_timeout', mediaTimeoutKind: 'rtp_timeout' });
    expect(c({ status: 480 }).category).toBe('recipient_unavailable');
    expect(c({ status: 486, reason: 'User declined the call' }).category).toBe('declined');
    expect(c({ status: 500 }).category).toBe('server');
    expect(c({ status: 503 }).category).toBe('server');
    expect(c({ status: 200 }).isError).toBe(false);
  });

  it('never throws and always answers a documented category for arbitrary input', () => {
    fc.assert(
      fc.property(fc.integer(), fc.option(fc.string({ maxLength: 5000 })), fc.option(fc.string()), fc.boolean(), (status, reason, warning, creds) => {
        const r = c({ status, reason: reason ?? undefined, warning: warning ?? undefined, credentialsSent: creds });
        if (r.isError) expect(ERROR_CATEGORIES).toContain(r.category);
        expect(classifyGraphError({ code: status, httpStatus: status }).category).toBeDefined();
      }),
    );
    expect(() => c({ status: NaN, reason: {} as never, warning: 42 as never })).not.toThrow();
  });
});
