/**
 * Running the demo for its tests: the CLI as a child process (the way `npm run demo` runs it, after
 * the build), bounded in time and killed by its pid; and the call-log rows parsed back out of its output.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..');
export const DEMO_INDEX = path.join(ROOT, 'examples/demo/index.mjs');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node examples/demo.mjs …args` with only PATH and `env` in its environment. `onStdout` sees the
 * output so far (e.g. to send a signal at the right moment). Killed after `timeoutMs`.
 */
export function runCli(
  args: string[],
  opts: { env?: Record<string, string>; timeoutMs?: number; onStdout?: (soFar: string, child: ChildProcess) => void } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['examples/demo.mjs', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...opts.env } });
    let stdout = '';
    let stderr = '';
    const killer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (c: string) => {
      stdout += c;
      opts.onStdout?.(stdout, child);
    });
    child.stderr.on('data', (c: string) => (stderr += c));
    child.once('error', (err) => {
      clearTimeout(killer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export interface PrintedRow {
  line: string;
  time: string;
  direction: string;
  signaling: string;
  status: string;
  /** The text of the Error code / category column ('—' when none). */
  error: string;
  scenario: string;
  /** The `↳ …` lines printed under the row (remedy or failure detail), joined. */
  under: string;
}

const ROW =
  /^ {2}(\d\d:\d\d:\d\d\.\d{3})\s+(Outbound|Inbound|—)\s+(GRAPH_API|SIP)\s+.+?\s{2,}(completed\*?|failed|rejected|unanswered|unknown)\s+(\S+(?: \S+)?)\s{2,}(.+?)\s{2,}(\S.*)$/;

/** The call-log rows of the demo's output, with the lines under each. */
export function printedRows(stdout: string): PrintedRow[] {
  const rows: PrintedRow[] = [];
  for (const line of stdout.split('\n')) {
    const m = ROW.exec(line);
    if (m) {
      rows.push({ line, time: m[1], direction: m[2], signaling: m[3], status: m[4], error: m[6], scenario: m[7], under: '' });
    } else if (rows.length && /^ {6}[↳ ]/.test(line) && line.trim()) {
      const last = rows[rows.length - 1];
      last.under = `${last.under} ${line.trim()}`.trim();
    }
  }
  return rows;
}
