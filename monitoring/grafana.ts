/**
 * Small builders for Grafana dashboard JSON (schemaVersion 39, Grafana 10.x/11.x): panels of the
 * kinds the dashboard uses, rows, a grid layout, and the two template variables.
 */

export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

export interface Target {
  expr: string;
  legend?: string;
  /** Instant query (tables, pie charts): one value per series at the end of the range. */
  instant?: boolean;
}

export interface PanelSpec {
  type: 'timeseries' | 'gauge' | 'stat' | 'table' | 'piechart' | 'bargauge';
  title: string;
  description: string;
  targets: Target[];
  w: number;
  h: number;
  unit?: string;
  /** Stacked series (bars for counts per interval). */
  stacked?: boolean;
  bars?: boolean;
  /** Threshold steps as [value, color]; the base step is green. */
  thresholds?: [number, string][];
  min?: number;
  max?: number;
  /** Display text for exact values of one field (tables), e.g. error codes → titles. */
  valueText?: { field: string; texts: Record<string, string> };
}

export interface RowSpec {
  title: string;
  panels: PanelSpec[];
}

function fieldConfig(p: PanelSpec) {
  const steps = [{ color: 'green', value: null as number | null }, ...(p.thresholds ?? []).map(([value, color]) => ({ color, value }))];
  const defaults: Record<string, unknown> = {
    unit: p.unit ?? 'short',
    thresholds: { mode: 'absolute', steps },
    color: { mode: p.thresholds ? 'thresholds' : 'palette-classic' },
  };
  if (p.min !== undefined) defaults.min = p.min;
  if (p.max !== undefined) defaults.max = p.max;
  if (p.type === 'timeseries') {
    defaults.custom = {
      drawStyle: p.bars ? 'bars' : 'line',
      fillOpacity: p.bars || p.stacked ? 60 : 10,
      lineWidth: 1,
      showPoints: 'never',
      spanNulls: false,
      stacking: { mode: p.stacked ? 'normal' : 'none', group: 'A' },
    };
  }
  const overrides = p.valueText
    ? [
        {
          matcher: { id: 'byName', options: p.valueText.field },
          properties: [
            {
              id: 'mappings',
              value: [{ type: 'value', options: Object.fromEntries(Object.entries(p.valueText.texts).map(([k, text], index) => [k, { text, index }])) }],
            },
          ],
        },
      ]
    : [];
  return { defaults, overrides };
}

function options(p: PanelSpec) {
  const reduce = { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } };
  switch (p.type) {
    case 'timeseries':
      return { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } };
    case 'gauge':
      return { ...reduce, showThresholdLabels: false, showThresholdMarkers: true };
    case 'stat':
      return { ...reduce, colorMode: 'value', graphMode: 'area', justifyMode: 'auto', textMode: 'auto' };
    case 'bargauge':
      return { ...reduce, displayMode: 'gradient', orientation: 'horizontal', showUnfilled: true };
    case 'piechart':
      return {
        ...reduce,
        pieType: 'donut',
        legend: { displayMode: 'table', placement: 'right', showLegend: true, values: ['value', 'percent'] },
        tooltip: { mode: 'single' },
      };
    case 'table':
      return { showHeader: true, cellHeight: 'sm', sortBy: [{ displayName: 'errors', desc: true }] };
  }
}

function panel(p: PanelSpec, id: number, gridPos: { x: number; y: number; w: number; h: number }) {
  const refIds = 'ABCDEFGH';
  return {
    type: p.type,
    id,
    title: p.title,
    description: p.description,
    datasource: DATASOURCE,
    gridPos,
    targets: p.targets.map((t, i) => ({
      refId: refIds[i],
      datasource: DATASOURCE,
      editorMode: 'code',
      expr: t.expr,
      legendFormat: t.legend ?? '__auto',
      range: !t.instant,
      instant: Boolean(t.instant),
      ...(p.type === 'table' ? { format: 'table' } : {}),
    })),
    fieldConfig: fieldConfig(p),
    options: options(p),
    ...(p.type === 'table' ? { transformations: [{ id: 'organize', options: { excludeByName: { Time: true }, renameByName: { Value: 'errors' } } }] } : {}),
  };
}

/** Rows of panels laid out left to right on Grafana's 24-column grid, wrapping when a row is full. */
export function layout(rows: RowSpec[]): unknown[] {
  const out: unknown[] = [];
  let id = 1;
  let y = 0;
  for (const row of rows) {
    out.push({ type: 'row', id: id++, title: row.title, collapsed: false, gridPos: { x: 0, y, w: 24, h: 1 }, panels: [] });
    y += 1;
    let x = 0;
    let lineHeight = 0;
    for (const p of row.panels) {
      if (x + p.w > 24) {
        y += lineHeight;
        x = 0;
        lineHeight = 0;
      }
      out.push(panel(p, id++, { x, y, w: p.w, h: p.h }));
      x += p.w;
      lineHeight = Math.max(lineHeight, p.h);
    }
    y += lineHeight;
  }
  return out;
}

export const datasourceVariable = {
  name: 'datasource',
  label: 'Data source',
  type: 'datasource',
  query: 'prometheus',
  current: {},
  hide: 0,
  refresh: 1,
  regex: '',
  options: [],
  skipUrlSync: false,
};

export function labelValuesVariable(name: string, label: string, metric: string, labelName: string) {
  const query = `label_values(${metric}, ${labelName})`;
  return {
    name,
    label,
    type: 'query',
    datasource: DATASOURCE,
    definition: query,
    // The classic string form: every Grafana version parses it (newer ones migrate it to their editor).
    query,
    refresh: 2,
    includeAll: true,
    multi: true,
    allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    options: [],
    sort: 1,
    regex: '',
    hide: 0,
    skipUrlSync: false,
  };
}
