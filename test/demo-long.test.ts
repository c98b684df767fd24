/**
 * The long mode (`npm run demo -- --calls N`): steady generated traffic with a progress line, bounded,
 * then the same report; Ctrl-C stops the traffic early and still reports; `--serve` keeps the
 * Prometheus endpoint up until SIGTERM; bad arguments are refused before anything starts.
 */
import { describe, expect, it } from 'vitest';
import { printedRows, runCli } from './demo-support';

describe('--calls N --serve', () => {
  it('generates N calls with a progress line (one per 10 % when not on a terminal), reports, then serves until SIGTERM', async () => {
    let scraped = '';
    const run = await runCli(['--calls', '60', '--serve', '--no-sip', '--prometheus-port', '0'], {
      onStdout: (soFar, child) => {
        const url = /Serving (http:\/\/127\.0\.0\.1:\d+\/metrics) until Ctrl-C/.exec(soFar)?.[1];
        if (!url || scraped) return;
        scraped = 'pending';
        // Scrape a little after the run finished: the endpoint is still up; then stop it.
        void (async () => {
          await new Promise((r) => setTimeout(r, 300));
          scraped = await (await fetch(url)).text();
          child.kill('SIGTERM');
        })();
      },
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Generated traffic: 60 calls');
    const progress = run.stdout.split('\n').filter((l) => /^ {2}traffic +\d+\/60 calls · \d+ calls\/s · \d+ not completed · \d of 4 active$/.test(l));
    expect(progress.map((l) => Number(/(\d+)\/60/.exec(l)![1]))).toEqual([6, 12, 18, 24, 30, 36, 42, 48, 54, 60]);
    // The table shows the scenarios and the last rows of the traffic, and says how much it left out.
    expect(printedRows(run.stdout).filter((r) => r.scenario === 'traffic').length).toBeGreaterThan(0);
    const more = /… (\d+) more calls of generated traffic not shown \(kept: the last (\d+)\); all calls by status: (.+)$/m.exec(run.stdout);
    expect(more).not.toBeNull();
    const statusTotal = more![3].split(', ').reduce((a, s) => a + Number(s.split(' ')[1]), 0);
    const header = /Call log — built from the exported spans \((\d+) calls/.exec(run.stdout);
    expect(statusTotal).toBe(Number(header![1]));
    expect(statusTotal).toBeGreaterThanOrEqual(60);
    expect(run.stdout).toContain('serving until Ctrl-C (SIGINT/SIGTERM)');
    expect(scraped).toMatch(/^whatsapp_calling_calls_total\{/m);
  }, 90_000);

  it('stops the traffic on SIGINT and still prints the report', async () => {
    let sent = false;
    const run = await runCli(['--calls', '100000', '--rate', '20', '--no-sip', '--prometheus-port', '0'], {
      onStdout: (soFar, child) => {
        if (!sent && soFar.includes('Generated traffic')) {
          sent = true;
          setTimeout(() => child.kill('SIGINT'), 500);
        }
      },
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/traffic +\d+\/100000 calls .* \(stopped\)$/m);
    expect(run.stdout).toContain('Key metrics');
  }, 90_000);
});

describe('arguments', () => {
  it.each([
    [['--calls', '100001'], '--calls must be a whole number from 0 to 100000'],
    [['--calls', 'many'], '--calls must be a whole number from 0 to 100000'],
    [['--prometheus-port', '70000'], '--prometheus-port must be a whole number from 0 to 65535'],
    [['--frobnicate'], "Unknown option '--frobnicate'"],
  ])('refuses %j with a usage message and exit code 2', async (args, message) => {
    const run = await runCli(args, { timeoutMs: 20_000 });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('Usage: npm run demo -- [options]');
  });
});
