/**
 * Annotation texts written once and used twice: as the Go template Prometheus expands when an alert
 * fires, and as a JS renderer that computes the same text for the promtool test's `exp_annotations`
 * (promtool compares every annotation exactly). Only the few template features we need are modelled:
 * a label, the alert's value (as a percentage or a number), and a choice by label value.
 */

/** What a rendered annotation depends on: the alert's labels and its value. */
export interface AlertContext {
  labels: Record<string, string>;
  value: number;
}

export interface Text {
  /** The Go template (Prometheus alert annotation). */
  go: string;
  render(ctx: AlertContext): string;
  /** Markdown for the runbook: labels as `{label}`, the value as `{value}`, choices as a list. */
  doc: string;
}

type Part = string | Text;

const literal = (s: string): Text => ({ go: s, render: () => s, doc: s });
const asText = (p: Part): Text => (typeof p === 'string' ? literal(p) : p);

/** Joins literal text and parts: `text\`Number ${label('x')} is at ${percent}.\``. */
export function text(strings: TemplateStringsArray, ...parts: Part[]): Text {
  const all: Text[] = [];
  strings.forEach((s, i) => {
    all.push(literal(s));
    if (i < parts.length) all.push(asText(parts[i]));
  });
  return concat(...all);
}

export function concat(...parts: Part[]): Text {
  const texts = parts.map(asText);
  return { go: texts.map((t) => t.go).join(''), render: (ctx) => texts.map((t) => t.render(ctx)).join(''), doc: texts.map((t) => t.doc).join('') };
}

export const label = (name: string): Text => ({ go: `{{ $labels.${name} }}`, render: (ctx) => ctx.labels[name] ?? '', doc: `{${name}}` });

/** Go's `%.4g` for the magnitudes alerts show (1e-4 ≤ |v| < 1e4, or 0). */
export function goFloat4g(v: number): string {
  if (v === 0) return '0';
  return String(Number(v.toPrecision(4)));
}

/** `{{ $value | humanizePercentage }}` (Prometheus: `%.4g%%` of value × 100). */
export const percent: Text = { go: '{{ $value | humanizePercentage }}', render: (ctx) => `${goFloat4g(ctx.value * 100)}%`, doc: '{value %}' };

/** `{{ $value | humanize }}` for the small counts alerts show (below 1000, where no SI prefix applies). */
export const count: Text = { go: '{{ $value | humanize }}', render: (ctx) => goFloat4g(ctx.value), doc: '{value}' };

/** One branch of {@link choose}: an exact label value, or a RE2 regex matched with Prometheus' `match`. */
export interface Case {
  equals?: string;
  matches?: string;
  then: Part;
}

const quote = (s: string) => JSON.stringify(s);

/** `{{ if eq $labels.x "a" }}…{{ else if … }}…{{ else }}fallback{{ end }}`, and the same choice in JS. */
export function choose(labelName: string, cases: readonly Case[], fallback: Part): Text {
  const otherwise = asText(fallback);
  if (cases.length === 0) return otherwise;
  const branches = cases.map((c) => {
    const exact = c.equals !== undefined;
    return {
      // Prometheus' `match` is unanchored, so the pattern is anchored here.
      cond: exact ? `eq $labels.${labelName} ${quote(c.equals!)}` : `match ${quote(`^(?:${c.matches})$`)} $labels.${labelName}`,
      test: (v: string) => (exact ? v === c.equals : new RegExp(`^(?:${c.matches})$`).test(v)),
      when: exact ? `\`${labelName}\` = \`${c.equals}\`` : `\`${labelName}\` matches \`${c.matches}\``,
      then: asText(c.then),
    };
  });
  const go = branches.map((b, i) => `{{ ${i === 0 ? 'if' : 'else if'} ${b.cond} }}${b.then.go}`).join('') + `{{ else }}${otherwise.go}{{ end }}`;
  const docLines = branches.map((b) => `- ${b.when}: ${b.then.doc.trim()}`);
  if (otherwise.doc.trim()) docLines.push(`- otherwise: ${otherwise.doc.trim()}`);
  return {
    go,
    doc: `\n${docLines.join('\n')}\n`,
    render: (ctx) => (branches.find((b) => b.test(ctx.labels[labelName] ?? ''))?.then ?? otherwise).render(ctx),
  };
}
