/**
 * The example READMEs say things users paste into Jaeger, Tempo and Prometheus: the attribute names,
 * category values, span names and metric names in them must be the ones the instrumentation emits,
 * and their links must lead somewhere.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { INSTRUMENTS, jsExporterName, otlpName } from '../monitoring/metric-names';
import { ERROR_CATEGORIES } from '../src/catalogue/categories';
import * as semconv from '../src/semconv';
import { rel } from './examples-support';

const READMES = ['nodesdk', 'jaeger', 'grafana', 'collector'].map((d) => `examples/${d}/README.md`);
const read = (file: string) => fs.readFileSync(rel(file), 'utf8');

/** Span attribute and event names the instrumentation defines (string constants of src/semconv.ts). */
const SEMCONV_NAMES = new Set((Object.values(semconv) as unknown[]).filter((v): v is string => typeof v === 'string'));
const CALL_STATUSES = ['completed', 'failed', 'rejected', 'unanswered', 'unknown'];
const SPAN_NAME = /^whatsapp (call|calls\.(connect|pre_accept|accept|reject|terminate)|call_permissions\.get|sip\.(invite|bye))$/;

/** GitHub's heading anchor: lower case, spaces → '-', punctuation dropped. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\s-]/g, '')
    .replace(/\s/g, '-');

function checkAttributeValue(attribute: string, value: string) {
  expect(SEMCONV_NAMES, attribute).toContain(attribute);
  if (attribute === 'whatsapp.error.category') expect(ERROR_CATEGORIES, value).toContain(value);
  if (attribute === 'whatsapp.call.status') expect(CALL_STATUSES, value).toContain(value);
  if (attribute === 'whatsapp.call.id') expect(value).toMatch(/^wacid\./);
  if (attribute === 'whatsapp.error.code') expect(value).toMatch(/^1\d{5}$/);
}

describe('example READMEs', () => {
  it.each(READMES)('%s: every relative link and anchor exists', (file) => {
    const text = read(file);
    const links = [...text.matchAll(/\]\((?!https?:|mailto:)([^)\s]+)\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) {
      const [target, hash] = link.split('#');
      const abs = path.resolve(path.dirname(rel(file)), target || path.basename(file));
      expect(fs.existsSync(abs), `${file} → ${link}`).toBe(true);
      if (hash) {
        const headings = fs
          .readFileSync(abs, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('#'))
          .map((l) => anchor(l.replace(/^#+/, '')));
        expect(headings, `${file} → ${link}`).toContain(hash);
      }
    }
  });

  it.each(['examples/jaeger/README.md', 'examples/grafana/README.md'])('%s: lists exactly the catalogue categories, in its order', (file) => {
    const paragraph = read(file)
      .split(/\n\n/)
      .find((p) => p.includes('`invalid_request`'))!;
    const listed = [...paragraph.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]).filter((w) => w !== 'src');
    expect(listed).toEqual([...ERROR_CATEGORIES]);
  });
});

describe('examples/jaeger/README.md', () => {
  const text = read('examples/jaeger/README.md');

  it('names the whatsapp.call.id and whatsapp.error.category tags to search', () => {
    expect(text).toContain('`whatsapp.call.id=');
    expect(text).toContain('`whatsapp.error.category=');
  });

  it('uses in its Tags examples only attributes and values the instrumentation emits', () => {
    const tagCells = [...text.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
    expect(tagCells.length).toBeGreaterThanOrEqual(4);
    for (const cell of tagCells) {
      for (const pair of cell.split(' ')) {
        const [attribute, value] = pair.split('=');
        if (attribute === 'error')
          expect(value).toBe('true'); // Jaeger's own tag for status ERROR
        else checkAttributeValue(attribute, value.replace(/…$/, 'x'));
      }
    }
  });

  it('names span, event and attribute names that exist', () => {
    for (const m of text.matchAll(/`(whatsapp [a-z_.]+)`/g)) expect(m[1]).toMatch(SPAN_NAME);
    for (const m of text.matchAll(/`(whatsapp\.[a-z_.]+)`/g)) {
      const name = m[1];
      const isSignalEvent = /^whatsapp\.(graph_api|webhook|sip)\.[a-z_]+$/.test(name); // whatsapp.<source>.<type>
      if (!isSignalEvent) expect(SEMCONV_NAMES, name).toContain(name);
    }
  });
});

describe('examples/grafana/README.md TraceQL', () => {
  const text = read('examples/grafana/README.md');
  const queries = [...text.matchAll(/```traceql\n([\s\S]*?)```/g)].flatMap((m) => m[1].trim().split('\n'));

  it('has the two queries the issue asks for: calls that failed with a category, and all spans of a call ID', () => {
    expect(queries).toContain('{ name = "whatsapp call" && span.whatsapp.error.category = "media_timeout" }');
    expect(queries.some((q) => /^\{ span\.whatsapp\.call\.id = "wacid\.[^"]+" \}$/.test(q))).toBe(true);
  });

  it('uses only span names, attributes and values the instrumentation emits', () => {
    expect(queries.length).toBeGreaterThanOrEqual(5);
    for (const q of queries) {
      expect(q).toMatch(/^\{ .+ \}$/);
      for (const clause of q.slice(2, -2).split(' && ')) {
        const m = /^(name|status|span\.[a-z_.]+|resource\.[a-z_.]+) (=|!=) (?:"([^"]*)"|([\w.]+))$/.exec(clause);
        expect(m, clause).not.toBeNull();
        const [, field, , quoted, bare] = m!;
        if (field === 'name') expect(quoted).toMatch(SPAN_NAME);
        else if (field === 'status') expect(bare).toBe('error');
        else if (field === 'resource.service.name') expect(quoted).toBe('demo-contact-centre');
        else if (field.startsWith('span.')) {
          const attribute = field.slice('span.'.length);
          // TraceQL types: strings quoted, the error code an int.
          expect(attribute === 'whatsapp.error.code' ? bare : quoted, clause).toBeDefined();
          checkAttributeValue(attribute, quoted ?? bare);
        } else throw new Error(`unexpected field ${field}`);
      }
    }
  });
});

describe('examples/collector/README.md', () => {
  it('gives each metric the names monitoring/metric-names.ts derives for the Collector and the JS exporter', () => {
    const rows = [...read('examples/collector/README.md').matchAll(/^\| `(whatsapp\.calling\.[a-z_.]+)`[^|]*\| `([a-z_]+)` \| `([a-z_]+)` \|$/gm)];
    expect(rows.length).toBeGreaterThanOrEqual(4);
    const byOtelName = new Map(Object.values(INSTRUMENTS).map((i) => [i.otelName as string, i]));
    for (const [, otel, collector, js] of rows) {
      const instrument = byOtelName.get(otel)!;
      expect(instrument, otel).toBeDefined();
      const suffix = instrument.type === 'histogram' ? '_bucket' : '';
      expect([collector, js]).toEqual([otlpName(instrument) + suffix, jsExporterName(instrument) + suffix]);
    }
  });
});
