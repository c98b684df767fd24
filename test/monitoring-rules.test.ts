/**
 * The generated Prometheus rules under promtool (Debian's prometheus package): both name variants pass
 * `promtool check rules` and their `promtool test rules` suite, and the suite is not a formality: an
 * alert that never fires, or one whose thresholds are gone, makes its own cases fail.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ALERTS } from '../monitoring/alerts';
import { rulesDir, testsPath } from '../monitoring/generate';
import { VARIANTS } from '../monitoring/metric-names';
import { ALERTS_FILE, RECORDING_FILE, rulesDirName, testsFileName } from '../monitoring/rule-files';

const root = path.resolve(__dirname, '..');
let scratch: string;

function promtool(args: string[], cwd: string) {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

interface RuleFile {
  groups: { rules: { alert?: string; expr: string }[] }[];
}
interface TestFile {
  tests: { alert_rule_test: { alertname: string }[] }[];
}

/**
 * A copy of the JS variant's rules and tests (same layout: rules/ and tests/) in which only
 * `alertName`'s cases remain and its expr is changed. Returns the tests folder.
 */
function mutated(alertName: string, changeExpr: (expr: string) => string): string {
  const dir = fs.mkdtempSync(path.join(scratch, `${alertName}-`));
  const rules = path.join(dir, rulesDirName('js'));
  const tests = path.join(dir, 'tests');
  fs.mkdirSync(rules);
  fs.mkdirSync(tests);
  const src = path.join(root, rulesDir('js'));
  fs.copyFileSync(path.join(src, RECORDING_FILE), path.join(rules, RECORDING_FILE));
  const alerts = parse(fs.readFileSync(path.join(src, ALERTS_FILE), 'utf8')) as RuleFile;
  const rule = alerts.groups[0].rules.find((r) => r.alert === alertName)!;
  rule.expr = changeExpr(rule.expr);
  fs.writeFileSync(path.join(rules, ALERTS_FILE), stringify(alerts));
  const suite = parse(fs.readFileSync(path.join(root, testsPath('js')), 'utf8')) as TestFile;
  suite.tests = suite.tests.filter((t) => t.alert_rule_test[0].alertname === alertName);
  fs.writeFileSync(path.join(tests, testsFileName('js')), stringify(suite));
  return tests;
}

beforeAll(() => {
  if (spawnSync('promtool', ['--version']).status !== 0) throw new Error('promtool is not installed: .ci/run installs it (apt-get install prometheus)');
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'promtool-'));
});
afterAll(() => {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

describe.each(VARIANTS)('the %s rule files', (variant) => {
  const dir = path.join(root, rulesDir(variant));

  it('pass promtool check rules', () => {
    const r = promtool(['check', 'rules', RECORDING_FILE, ALERTS_FILE], dir);
    expect(r.output).toMatch(/SUCCESS: 16 rules found[\s\S]*SUCCESS: 15 rules found|SUCCESS: 15 rules found[\s\S]*SUCCESS: 16 rules found/);
    expect(r.status).toBe(0);
  });

  it('pass their promtool test suite: every alert fires on its input and stays silent on the rest', () => {
    const r = promtool(['test', 'rules', path.basename(testsPath(variant))], path.join(root, path.dirname(testsPath(variant))));
    expect(r.output).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });
});

describe('the promtool suite catches broken alerts', () => {
  it.each(ALERTS.map((a) => a.name))('%s: an expression that never fires fails its cases', (name) => {
    const dir = mutated(name, () => 'vector(0) > 1');
    const r = promtool(['test', 'rules', testsFileName('js')], dir);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain(`alertname: ${name}`);
  });

  it.each(ALERTS.map((a) => a.name))('%s: an expression without its thresholds fails a stays-silent case', (name) => {
    // Every comparison with a number becomes ">= -Inf": the alert then fires whenever its series exist.
    const dir = mutated(name, (expr) => expr.replace(/(>=|>)\s*[0-9.]+/g, '>= -Inf'));
    const r = promtool(['test', 'rules', testsFileName('js')], dir);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(new RegExp(`alertname: ${name}[^\\n]*\\n\\s*exp:\\[\\]`));
  });
});
