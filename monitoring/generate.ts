/**
 * Every generated monitoring file, by path relative to the repository root. The committed files must
 * equal this output (test/monitoring-generated.test.ts); scripts/generate-monitoring.mjs writes them.
 */
import { dashboard } from './dashboard';
import { VARIANTS } from './metric-names';
import type { Variant } from './metric-names';
import { ALERTS_FILE, RECORDING_FILE, alertsFile, recordingFile, rulesDirName, testsFile, testsFileName } from './rule-files';
import { runbookMarkdown } from './runbook';

export const PROMETHEUS_DIR = 'examples/prometheus';
export const DASHBOARDS_DIR = 'examples/grafana/dashboards';

export const rulesDir = (variant: Variant) => `${PROMETHEUS_DIR}/${rulesDirName(variant)}`;
export const testsPath = (variant: Variant) => `${PROMETHEUS_DIR}/tests/${testsFileName(variant)}`;
export const dashboardPath = (variant: Variant) => `${DASHBOARDS_DIR}/${variant === 'js' ? 'whatsapp-calling.json' : 'whatsapp-calling-otlp.json'}`;

export function generatedFiles(): Record<string, string> {
  const files: Record<string, string> = { [`${PROMETHEUS_DIR}/RUNBOOK.md`]: runbookMarkdown() };
  for (const v of VARIANTS) {
    files[`${rulesDir(v)}/${RECORDING_FILE}`] = recordingFile(v);
    files[`${rulesDir(v)}/${ALERTS_FILE}`] = alertsFile(v);
    files[testsPath(v)] = testsFile(v);
    files[dashboardPath(v)] = `${JSON.stringify(dashboard(v), null, 2)}\n`;
  }
  return files;
}
