/**
 * `npm run demo`: the CLI run as a child process on the built package. It must run with no servers to
 * install, exit by itself, and end with a call log built from the exported spans (one row per call,
 * the failed ones with category and remedy) and the key metrics. sipp is installed here (a test peer),
 * so the SIP leg runs too.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATEGORIES } from '../src/catalogue';
import { printedRows, runCli } from './demo-support';
import type { CliRun, PrintedRow } from './demo-support';

let run: CliRun;
let rows: PrintedRow[];
const rowsOf = (scenario: string) => rows.filter((r) => r.scenario === scenario);
const only = (scenario: string) => {
  const found = rowsOf(scenario);
  expect(found, `rows of ${scenario}:\n${found.map((r) => r.line).join('\n')}`).toHaveLength(1);
  return found[0];
};

beforeAll(async () => {
  run = await runCli(['--prometheus-port', '0']);
  rows = printedRows(run.stdout);
}, 90_000);

describe('the default run', () => {
  it('exits 0 by itself, with every scenario as expected and nothing on stderr', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('✗');
    expect(run.stdout).not.toContain('Unexpected outcomes');
  });

  it('prints one call-log row per call of each scenario', () => {
    expect(only('completed BI call')).toMatchObject({ direction: 'Outbound', signaling: 'GRAPH_API', status: 'completed', error: '—' });
    expect(only('UIC pre_accept+accept')).toMatchObject({ direction: 'Inbound', status: 'completed' });
    expect(only('UIC rejected')).toMatchObject({ direction: 'Inbound', status: 'rejected' });
    expect(only('BI unanswered')).toMatchObject({ direction: 'Outbound', status: 'unanswered' });
    expect(only('BI declined')).toMatchObject({ direction: 'Outbound', status: 'rejected' });
    // The concurrency scenario holds the limit's worth of calls, then one more is refused.
    expect(
      rowsOf('concurrency limit')
        .map((r) => r.status)
        .sort(),
    ).toEqual(['completed', 'completed', 'completed', 'completed', 'failed']);
    expect(
      rowsOf('daily quota')
        .map((r) => r.status)
        .sort(),
    ).toEqual(['completed', 'completed', 'completed', 'failed']);
    expect(run.stdout).toMatch(/Call log — built from the exported spans \(\d+ calls, \d+ spans\)/);
  });

  it('marks the user-initiated call accepted without pre_accept', () => {
    expect(only('UIC accept only').status).toBe('completed*');
    expect(run.stdout).toContain('* accepted without pre_accept: the caller misses the first second of audio');
  });

  it('shows a failed call with its error code, category and the remedy from the span', () => {
    const refused = only('error: permission');
    expect(refused).toMatchObject({ status: 'failed', error: '138006 permission' });
    expect(refused.under).toMatch(/^↳ remedy: The user has not granted call permission/);
    expect(only('error: unknown').error).toBe('138011 unknown');
  });

  it('has a row for each error category the Graph path can produce', () => {
    const categories = new Set(rows.filter((r) => r.status === 'failed').map((r) => r.error.split(' ')[1]));
    // Every category of the catalogue but the SIP-only one (a user declining is a SIP 486).
    for (const c of ERROR_CATEGORIES.filter((category) => category !== 'declined')) {
      expect(categories, c).toContain(c);
    }
    // A refused connection never reached Meta: its remedy is about the way there, not a Meta code.
    const unreachable = rowsOf('error: connection').find((r) => r.error.startsWith('ECONNREFUSED'));
    expect(unreachable?.under).toMatch(/^↳ remedy: The request got no response from the Graph API/);
  });

  it('shows the 138021 media timeouts at call start and mid-call, with their durations', () => {
    expect(only('media timeout, start')).toMatchObject({ status: 'failed', error: '138021 media_timeout (call_start)' });
    expect(only('media timeout, start').line).toMatch(/\s20s\s/);
    expect(only('media timeout, mid')).toMatchObject({ status: 'failed', error: '138021 media_timeout (mid_call)' });
    expect(only('media timeout, mid').line).toMatch(/\s5m 00s\s/);
  });

  it('shows 138002 at the concurrency limit and 138012 at the daily quota', () => {
    expect(rowsOf('concurrency limit').find((r) => r.status === 'failed')).toMatchObject({ error: '138002 concurrency_limit', direction: 'Outbound' });
    const quota = rowsOf('daily quota').find((r) => r.status === 'failed');
    expect(quota).toMatchObject({ error: '138012 daily_quota' });
    expect(quota?.under).toMatch(/^↳ remedy: This user already got the maximum connected business-initiated calls/);
  });

  it('runs the SIP leg with sipp as Meta: a completed call after a digest challenge and a declined one', () => {
    expect(run.stdout).toMatch(/✓ SIP call\s+sipp as Meta's SIP edge \(UDP\): final response 200 after a 407 digest challenge/);
    const sip = only('SIP call');
    expect(sip).toMatchObject({ signaling: 'SIP', direction: 'Outbound', status: 'completed' });
    expect(sip.line).toMatch(/\s7s\s/); // x-wa-meta-call-duration from Meta's BYE
    expect(only('SIP declined')).toMatchObject({ signaling: 'SIP', status: 'rejected', error: '486 declined' });
  });

  it('ends with the key metrics read from the Prometheus exporter', () => {
    const metrics = run.stdout.slice(run.stdout.indexOf('Key metrics'));
    expect(metrics).toMatch(/Active calls vs limit\s+0 now, peak 4 of 4\s+whatsapp_calling_calls_active/);
    expect(metrics).toMatch(/BI quota, busiest pair \(24 h\)\s+3 of 3; 1 pair\(s\) exhausted/);
    expect(metrics).toMatch(/Media timeouts by phase\s+call_start 1, mid_call 1\s/);
    expect(metrics).toMatch(/Accepts without pre_accept\s+1\s/);
    const errors = metrics.slice(metrics.indexOf('Errors by category'), metrics.indexOf('Media timeouts'));
    for (const c of ['concurrency_limit 1', 'daily_quota 1', 'media_timeout 2', 'connection 2', 'declined 1']) expect(errors).toContain(c);
  });

  it('prints the Prometheus URL and where everything went', () => {
    expect(run.stdout).toMatch(/^ {2}Prometheus\s+http:\/\/127\.0\.0\.1:\d+\/metrics$/m);
    expect(run.stdout).toMatch(/metrics {2}→ Prometheus http:\/\/127\.0\.0\.1:\d+\/metrics \(served until the demo exits; add --serve/);
    expect(run.stdout).toContain('OTLP     → off: set OTEL_EXPORTER_OTLP_ENDPOINT=');
  });

  it('prints no consumer phone numbers and no access token', () => {
    expect(run.stdout).not.toMatch(/1408555\d{4}|15550000480|1555013\d{4}|14085551234/);
    expect(run.stdout).not.toMatch(/demo-token|expired-token|Bearer/);
  });
});
