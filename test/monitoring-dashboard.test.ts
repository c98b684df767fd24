/**
 * The Grafana dashboards, parsed as JSON: importable (schemaVersion, a Prometheus data-source variable,
 * a phone-number variable), every panel described and queried through both, the panels present.
 * That every query returns series is checked against a real Prometheus in monitoring-prometheus.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardPath } from '../monitoring/generate';
import { VARIANTS, metricNames } from '../monitoring/metric-names';

interface Target {
  refId: string;
  expr: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
  gridPos: { x: number; y: number; w: number; h: number };
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown; datasource?: { uid: string }; includeAll?: boolean; allValue?: string }[] };
}

const root = path.resolve(__dirname, '..');
const load = (variant: (typeof VARIANTS)[number]) => JSON.parse(fs.readFileSync(path.join(root, dashboardPath(variant)), 'utf8')) as Dashboard;

/** The panels the issue asks for, by title. */
const REQUIRED_PANELS = [
  'Active calls vs limit',
  'Busiest pair vs per-pair limit',
  'Exhausted pairs',
  'Initiations vs limit',
  'Error rate by category',
  'Top error codes',
  'Media timeouts by kind and phase',
  'Accepts without pre_accept, share of accepts',
  'Operation latency percentiles by operation',
  'Call outcomes',
  'SIP final-status mix',
];

describe.each(VARIANTS)('the %s dashboard', (variant) => {
  const d = load(variant);
  const panels = d.panels.filter((p) => p.type !== 'row');

  it('is importable: schemaVersion, a Prometheus data-source variable and a phone-number variable', () => {
    expect(d.schemaVersion).toBeGreaterThanOrEqual(39);
    const ds = d.templating.list.find((v) => v.name === 'datasource')!;
    expect(ds).toMatchObject({ type: 'datasource', query: 'prometheus' });
    const phone = d.templating.list.find((v) => v.name === 'phone_number_id')!;
    expect(phone).toMatchObject({ type: 'query', includeAll: true, allValue: '.*', datasource: { uid: '${datasource}' } });
    expect(JSON.stringify(phone.query)).toContain('label_values(whatsapp_calling_calls_active_limit, whatsapp_phone_number_id)');
  });

  it('has the panels the issue lists', () => {
    expect(panels.map((p) => p.title)).toEqual(expect.arrayContaining(REQUIRED_PANELS));
  });

  it('gives every panel a description and queries through the data-source and phone-number variables', () => {
    for (const p of panels) {
      expect(p.description, p.title).toMatch(/\S{10}/);
      expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets!) {
        expect(t.datasource.uid).toBe('${datasource}');
        expect(t.expr, p.title).toContain('whatsapp_phone_number_id=~"$phone_number_id"');
      }
    }
  });

  it('has unique panel ids and refIds, and panels inside the 24-column grid without overlaps', () => {
    const ids = d.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) expect(new Set(p.targets!.map((t) => t.refId)).size).toBe(p.targets!.length);
    const cells = new Set<string>();
    for (const p of d.panels) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`), `${p.title} overlaps`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it('queries the metric names of its export path', () => {
    const exprs = panels.flatMap((p) => p.targets!.map((t) => t.expr)).join('\n');
    expect(exprs).toContain(`${metricNames(variant).operationDuration}_bucket`);
    if (variant === 'js') expect(exprs).not.toContain('_seconds');
  });
});

it('the two dashboards have different uids and the same panels', () => {
  const [js, otlp] = VARIANTS.map(load);
  expect(js.uid).not.toBe(otlp.uid);
  expect(otlp.panels.map((p) => p.title)).toEqual(js.panels.map((p) => p.title));
});
