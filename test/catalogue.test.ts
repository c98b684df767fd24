import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CATEGORY_DESCRIPTIONS,
  ERROR_CATEGORIES,
  GRAPH_ERROR_ENTRIES,
  SIP_STATUS_ENTRIES,
  classifyGraphError,
  classifySipResponse,
  isErrorCategory,
  lookupGraphError,
  warningText,
  type ErrorCategory,
} from '../src/catalogue';

const DAILY_LIMIT_TEXT = 'Business Initiated Connected Call Per Day Limit Hit';

/** The mapping the brief fixes, code by code. */
const GRAPH_CATEGORY_OF: Record<ErrorCategory, number[]> = {
  invalid_request: [100, 131009],
  auth: [190],
  permission: [138006, 131030, 138017, 10, 200, 201, 250, 299],
  configuration: [138000, 138013, 138015, 138018, 131055],
  account_restricted: [138014, 131044],
  rate_limited: [613, 138005, 138009, 4, 80007, 130429, 131056],
  concurrency_limit: [138002],
  daily_quota: [138012],
  duplicate_call: [138003],
  recipient_unavailable: [138001, 131026],
  declined: [],
  connection: [138004, 138019, 138020],
  connect_timeout: [138007],
  media_timeout: [138021, 138022, 138023],
  server: [131000, 131016, 1, 2],
  unknown: [138011, 3, 138008, 138010, 138016, 0, -1, 999_999],
};

/** Meta's calling table (§7) with its HTTP statuses and channels. */
const CALLING_TABLE: [code: number, http: number | undefined, channel: string][] = [
  [100, 400, 'sync'],
  [613, 429, 'sync'],
  [131009, 400, 'sync'],
  [131030, 400, 'sync'],
  [131044, 400, 'calls_webhook'],
  [131055, 400, 'sync'],
  [138000, 401, 'sync'],
  [138001, 400, 'sync'],
  [138002, 429, 'sync'],
  [138003, 400, 'sync'],
  [138004, 500, 'sync'],
  [138005, 429, 'sync'],
  [138006, 401, 'sync'],
  [138007, 500, 'unknown'],
  [138009, 400, 'sync'],
  [138011, undefined, 'unknown'],
  [138012, 400, 'sync'],
  [138013, 400, 'sync'],
  [138014, 400, 'sync'],
  [138015, 400, 'sync'],
  [138017, 400, 'sync'],
  [138018, 400, 'sync'],
  [138019, 400, 'calls_webhook'],
  [138020, 400, 'calls_webhook'],
  [138021, 400, 'calls_webhook'],
  [138022, 400, 'calls_webhook'],
  [138023, 400, 'calls_webhook'],
  [131026, undefined, 'messages_webhook'],
];
const GENERAL_CODES = [190, 10, 3, 4, 80007, 130429, 1, 2, 131000, 131016, 131056];

describe('error categories', () => {
  it('lists all sixteen categories in the documented order, unknown last', () => {
    expect(ERROR_CATEGORIES).toEqual([
      'invalid_request',
      'auth',
      'permission',
      'configuration',
      'account_restricted',
      'rate_limited',
      'concurrency_limit',
      'daily_quota',
      'duplicate_call',
      'recipient_unavailable',
      'declined',
      'connection',
      'connect_timeout',
      'media_timeout',
      'server',
      'unknown',
    ]);
  });

  it('has a non-empty one-line description for every category and no extra ones', () => {
    expect(Object.keys(CATEGORY_DESCRIPTIONS).sort()).toEqual([...ERROR_CATEGORIES].sort());
    for (const c of ERROR_CATEGORIES) expect(CATEGORY_DESCRIPTIONS[c]).toMatch(/^\S[^\n]{10,200}$/);
  });

  it('recognises category names and rejects anything else', () => {
    expect(isErrorCategory('daily_quota')).toBe(true);
    expect(isErrorCategory('Daily_Quota')).toBe(false);
    expect(isErrorCategory(42)).toBe(false);
  });
});

describe('Graph error catalogue', () => {
  it.each(Object.entries(GRAPH_CATEGORY_OF).filter(([, codes]) => codes.length > 0))(
    'classifies every code of category %s as that category',
    (category, codes) => {
      for (const code of codes) expect(classifyGraphError({ code }).category, `code ${code}`).toBe(category);
    },
  );

  it.each(CALLING_TABLE)('catalogues calling code %i with HTTP %s and channel %s', (code, http, channel) => {
    const entry = lookupGraphError(code);
    expect(entry).toBeDefined();
    expect(entry).toMatchObject({ code, channel });
    expect(entry!.httpStatus).toBe(http);
    expect(entry!.title.length).toBeGreaterThan(3);
  });

  it('catalogues every general Graph code with a title', () => {
    for (const code of GENERAL_CODES) expect(lookupGraphError(code)?.title.length, `code ${code}`).toBeGreaterThan(3);
    expect(lookupGraphError(131016)?.httpStatus).toBe(503);
  });

  it('gives every entry a one- or two-sentence remedy and only documented categories and channels', () => {
    for (const e of GRAPH_ERROR_ENTRIES) {
      expect(ERROR_CATEGORIES).toContain(e.category);
      expect(['sync', 'calls_webhook', 'messages_webhook', 'unknown']).toContain(e.channel);
      expect(e.remedy.trim().length, `code ${e.code}`).toBeGreaterThan(20);
      expect(e.remedy.split(/[.;] +[A-Z]/).length, `code ${e.code}`).toBeLessThanOrEqual(3);
    }
  });

  it('returns title and remedy with the category for every non-unknown code', () => {
    for (const e of GRAPH_ERROR_ENTRIES.filter((x) => x.category !== 'unknown')) {
      const c = classifyGraphError({ code: e.code });
      expect(c.title).toBe(e.title);
      expect(c.remedy).toBe(e.remedy);
    }
  });

  it('has no duplicate codes', () => {
    const codes = GRAPH_ERROR_ENTRIES.map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('tags the three media-timeout terminations with their kind', () => {
    expect(classifyGraphError({ code: 138021 }).mediaTimeoutKind).toBe('receive');
    expect(classifyGraphError({ code: 138022 }).mediaTimeoutKind).toBe('transmit');
    expect(classifyGraphError({ code: 138023 }).mediaTimeoutKind).toBe('no_media_signals');
    expect(classifyGraphError({ code: 138006 }).mediaTimeoutKind).toBeUndefined();
  });

  it('answers a generic permission entry for any code in 200-299 but not just outside it', () => {
    expect(lookupGraphError(200)).toMatchObject({ code: 200, category: 'permission' });
    expect(lookupGraphError(299)?.remedy.length).toBeGreaterThan(10);
    expect(lookupGraphError(199)).toBeUndefined();
    expect(lookupGraphError(300)).toBeUndefined();
  });

  it('keeps 138011 and 3 as unknown but still gives them a title and remedy', () => {
    for (const code of [138011, 3]) {
      expect(classifyGraphError({ code })).toMatchObject({ category: 'unknown', title: expect.any(String), remedy: expect.any(String) });
    }
  });

  it('falls back to the HTTP status for an uncatalogued code: 5xx server, 429 rate_limited, 401 auth', () => {
    expect(classifyGraphError({ code: 424242, httpStatus: 503 }).category).toBe('server');
    expect(classifyGraphError({ code: 424242, httpStatus: 500 }).category).toBe('server');
    expect(classifyGraphError({ code: 424242, httpStatus: 429 }).category).toBe('rate_limited');
    expect(classifyGraphError({ code: 424242, httpStatus: 401 }).category).toBe('auth');
    expect(classifyGraphError({ code: 424242, httpStatus: 400 }).category).toBe('unknown');
    expect(classifyGraphError({ code: 424242, httpStatus: 403 }).category).toBe('unknown');
  });

  it('classifies a code-less response by HTTP status: 5xx server, 429 rate_limited, 401 auth, else unknown', () => {
    expect(classifyGraphError({ httpStatus: 502 })).toMatchObject({ category: 'server', remedy: expect.any(String) });
    expect(classifyGraphError({ httpStatus: 599 }).category).toBe('server');
    expect(classifyGraphError({ httpStatus: 429 }).category).toBe('rate_limited');
    expect(classifyGraphError({ httpStatus: 401 }).category).toBe('auth');
    expect(classifyGraphError({ httpStatus: 404 }).category).toBe('unknown');
    expect(classifyGraphError({ httpStatus: 600 }).category).toBe('unknown');
    expect(classifyGraphError({}).category).toBe('unknown');
  });

  it('lets a catalogued code win over a contradicting HTTP status', () => {
    expect(classifyGraphError({ code: 138006, httpStatus: 503 }).category).toBe('permission');
    expect(classifyGraphError({ code: 138002, httpStatus: 500 }).category).toBe('concurrency_limit');
  });

  it('accepts a code that arrives as a numeric string and ignores garbage codes', () => {
    expect(classifyGraphError({ code: '138006' as never }).category).toBe('permission');
    expect(classifyGraphError({ code: 138006.5, httpStatus: 429 }).category).toBe('rate_limited');
    expect(classifyGraphError({ code: NaN, httpStatus: NaN }).category).toBe('unknown');
    expect(classifyGraphError(null as never).category).toBe('unknown');
    expect(classifyGraphError({ code: {} as never, httpStatus: '503' as never }).category).toBe('server');
  });
});

describe('SIP status catalogue', () => {
  const c = classifySipResponse;
  const SERVER_MISMATCH = 'SIP server sip.example.com from INVITE does not match any SIP server configured for phone number id 123';
  const NO_PERMISSION = 'No Approved Call Permission Found: No approved call permission from the recipient';
  const APP_NOT_AUTHORIZED = 'The app 4242 configured for SIP server sip.example.com is not authorized for phone number id 123';
  const DAILY_LIMIT = DAILY_LIMIT_TEXT;

  it.each([
    [SERVER_MISMATCH, 'configuration', 'sip_403_server_mismatch'],
    [NO_PERMISSION, 'permission', 'sip_403_no_permission'],
    [APP_NOT_AUTHORIZED, 'configuration', 'sip_403_app_not_authorized'],
    [DAILY_LIMIT, 'daily_quota', 'sip_403_daily_limit'],
  ])('classifies the 403 reason phrase "%s" as %s', (reason, category, key) => {
    expect(c({ status: 403, reason })).toMatchObject({ isError: true, category, key, remedy: expect.any(String) });
  });

  it.each([
    [SERVER_MISMATCH, 'configuration'],
    [NO_PERMISSION, 'permission'],
    [APP_NOT_AUTHORIZED, 'configuration'],
    [DAILY_LIMIT, 'daily_quota'],
  ])('classifies a plain "403 Forbidden" by its raw Warning: 399 wa.meta.vc "%s" header as %s', (text, category) => {
    expect(c({ status: 403, reason: 'Forbidden', warning: `399 wa.meta.vc "${text}"` }).category).toBe(category);
  });

  it("matches Meta's 403 texts case-insensitively, even with the status code in front", () => {
    expect(c({ status: 403, reason: `403 ${DAILY_LIMIT}`.toUpperCase() }).category).toBe('daily_quota');
    expect(c({ status: 403, reason: 'no approved call permission found' }).category).toBe('permission');
    expect(c({ status: 403, reason: 'Connected Call Per Day' }).category).toBe('daily_quota');
  });

  it('reads the quoted text out of a Warning value, including several warnings and escaped quotes', () => {
    expect(warningText(`399 wa.meta.vc "${DAILY_LIMIT}"`)).toBe(DAILY_LIMIT);
    expect(warningText('399 a "one", 399 b "two \\"x\\""')).toBe('one two "x"');
    expect(warningText('no quotes here')).toBe('no quotes here');
    expect(warningText(42)).toBe('');
  });

  it('classifies 403 texts about a duplicate, ongoing or already active call as duplicate_call', () => {
    for (const reason of ['Duplicate call', 'Call already in progress', 'There is an ongoing call with this user']) {
      expect(c({ status: 403, reason }), reason).toMatchObject({ category: 'duplicate_call', key: 'sip_403_duplicate_call' });
    }
  });

  it('classifies 403 texts about digest or credentials as auth, and any unexplained 403 after credentials as auth', () => {
    expect(c({ status: 403, reason: 'Forbidden', warning: '399 wa.meta.vc "Digest authentication failed"' }).category).toBe('auth');
    expect(c({ status: 403, reason: 'Invalid credentials' }).category).toBe('auth');
    expect(c({ status: 403, reason: 'Forbidden', credentialsSent: true })).toMatchObject({ category: 'auth', key: 'sip_403_after_credentials' });
  });

  it('prefers a specific Meta 403 text over the credentials fallback', () => {
    expect(c({ status: 403, reason: NO_PERMISSION, credentialsSent: true }).category).toBe('permission');
  });

  it('classifies any other 403 as permission', () => {
    expect(c({ status: 403, reason: 'Forbidden' })).toMatchObject({ isError: true, category: 'permission', key: 'sip_403' });
    expect(c({ status: 403 }).category).toBe('permission');
  });

  it('treats a first 407 or 401 digest challenge as normal, and a challenge after credentials as a bad digest', () => {
    expect(c({ status: 407, reason: 'Proxy Authentication Required' })).toMatchObject({ isError: false, key: 'sip_407_challenge' });
    expect(c({ status: 401 })).toMatchObject({ isError: false, key: 'sip_401_challenge' });
    expect(c({ status: 407, credentialsSent: true })).toMatchObject({ isError: true, category: 'auth', key: 'sip_407_bad_digest' });
    expect(c({ status: 401, credentialsSent: true })).toMatchObject({ isError: true, category: 'auth' });
    expect(c({ status: 407, credentialsSent: true }).title).toMatch(/bad digest/i);
  });

  it('treats 487 after our CANCEL as normal and an unexplained 487 as an unknown error', () => {
    expect(c({ status: 487, reason: 'Request Terminated', cancelled: true })).toMatchObject({ isError: false, key: 'sip_487_cancelled' });
    expect(c({ status: 487, reason: 'Request Terminated' })).toMatchObject({ isError: true, category: 'unknown' });
  });

  it.each([
    [400, 'Asset not found, invalid business phone number', 'configuration'],
    [404, 'Not found', 'configuration'],
    [408, 'RTP Timeout', 'media_timeout'],
    [480, 'Temporarily Unavailable', 'recipient_unavailable'],
    [486, 'Busy Here', 'declined'],
    [603, 'Decline', 'declined'],
    [500, 'Server Internal Error', 'server'],
    [503, 'Service Unavailable', 'server'],
    [502, 'Bad Gateway', 'server'],
    [504, 'Server Time-out', 'server'],
  ])('classifies SIP %i %s as %s', (status, reason, category) => {
    expect(c({ status, reason })).toMatchObject({ isError: true, category, remedy: expect.any(String) });
  });

  it('marks 408 RTP Timeout as an rtp_timeout media timeout', () => {
    expect(c({ status: 408, reason: 'RTP Timeout' })).toMatchObject({ mediaTimeoutKind: 'rtp_timeout', key: 'sip_408_rtp_timeout' });
  });

  it('notes that Meta answers a re-INVITE with 500', () => {
    expect(c({ status: 500 }).title).toMatch(/re-INVITE/);
  });

  it('classifies other 3xx, 4xx and 6xx statuses as unknown errors', () => {
    for (const status of [302, 405, 488, 600, 604]) {
      expect(c({ status }), String(status)).toMatchObject({ isError: true, category: 'unknown', key: `sip_${status}` });
    }
  });

  it('treats 1xx and 2xx as not errors', () => {
    for (const status of [100, 180, 183, 200, 202]) {
      const r = c({ status });
      expect(r.isError, String(status)).toBe(false);
      expect(r.category).toBeUndefined();
    }
  });

  it('gives every catalogued SIP error a remedy, a category and a snake_case key', () => {
    for (const e of SIP_STATUS_ENTRIES) {
      expect(e.key).toMatch(/^sip_[a-z0-9_]+$/);
      expect(e.title.length).toBeGreaterThan(3);
      if (e.isError) expect(ERROR_CATEGORIES).toContain(e.category);
      else expect(e.category).toBeUndefined();
      if (e.isError && e.category !== 'unknown') expect(e.remedy?.trim().length, e.key).toBeGreaterThan(20);
    }
    expect(new Set(SIP_STATUS_ENTRIES.map((e) => e.key)).size).toBe(SIP_STATUS_ENTRIES.length);
  });

  it("covers every SIP status of Meta's table", () => {
    const statuses = new Set(SIP_STATUS_ENTRIES.map((e) => e.status));
    for (const s of [400, 403, 404, 407, 408, 480, 486, 487, 500, 503]) expect(statuses.has(s), String(s)).toBe(true);
  });
});

describe('classifiers on arbitrary input', () => {
  const anyText = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 2000 }), fc.constant(undefined));

  it('classifySipResponse never throws and gives a documented category exactly when it reports an error', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer(), fc.double(), fc.integer({ min: 100, max: 699 })),
        anyText,
        anyText,
        fc.boolean(),
        fc.boolean(),
        (status, reason, warning, credentialsSent, cancelled) => {
          const r = classifySipResponse({ status, reason, warning, credentialsSent, cancelled });
          if (r.isError) expect(ERROR_CATEGORIES).toContain(r.category);
          else expect(r.category).toBeUndefined();
          expect(r.key).toMatch(/^sip_[a-z0-9_]+$/);
        },
      ),
    );
  });

  it('classifyGraphError never throws and always returns a documented category', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer(), fc.double(), fc.constant(undefined)),
        fc.oneof(fc.integer(), fc.double(), fc.constant(undefined)),
        (code, httpStatus) => {
          expect(ERROR_CATEGORIES).toContain(classifyGraphError({ code, httpStatus }).category);
        },
      ),
    );
  });

  it('copes with huge strings and wrongly-typed fields without throwing', () => {
    const huge = `"${'a\\"'.repeat(300_000)}${DAILY_LIMIT_TEXT}`;
    expect(() => classifySipResponse({ status: 403, reason: huge, warning: huge })).not.toThrow();
    expect(classifySipResponse({ status: 403, reason: 'x'.repeat(1_000_000), warning: `399 wa.meta.vc "${DAILY_LIMIT_TEXT}"` }).category).toBe('daily_quota');
    const garbage = [null, undefined, {}, [], 'abc', Symbol('s'), NaN, Infinity, -0];
    for (const g of garbage) {
      expect(() => classifySipResponse({ status: g as never, reason: g as never, warning: g as never, credentialsSent: g as never })).not.toThrow();
      expect(() => classifyGraphError({ code: g as never, httpStatus: g as never })).not.toThrow();
      expect(() => lookupGraphError(g as never)).not.toThrow();
    }
    expect(classifySipResponse(null as never)).toMatchObject({ isError: true, category: 'unknown' });
  });
});
