/**
 * Remedy texts for the alerts, taken from the error catalogue (src/catalogue) when the rules are
 * generated, so an alert says exactly what the span's `whatsapp.error.remedy` says for the same code.
 */
import { CATEGORY_DESCRIPTIONS, GRAPH_ERROR_ENTRIES, SIP_STATUS_ENTRIES, classifyGraphError, lookupGraphError } from '../src/catalogue';
import type { ErrorCategory, MediaTimeoutKind } from '../src/catalogue';
import { choose, concat, label } from './template';
import type { Case, Text } from './template';

/** One catalogued way an error of a category reaches the app, in the words of the catalogue. */
export interface CodeRemedy {
  /** The `error_type` label value: the Graph code, or the SIP status, as a string. */
  errorType: string;
  signaling: 'graph_api' | 'sip';
  title: string;
  remedy: string;
}

/** Every catalogued Graph code and SIP status of a category (SIP statuses may have several variants). */
export function codeRemedies(category: ErrorCategory): CodeRemedy[] {
  const graph = GRAPH_ERROR_ENTRIES.filter((e) => e.category === category).map((e): CodeRemedy => ({
    errorType: String(e.code),
    signaling: 'graph_api',
    title: e.title,
    remedy: e.remedy,
  }));
  const sip = SIP_STATUS_ENTRIES.filter((e) => e.isError && e.category === category && e.remedy).map((e): CodeRemedy => ({
    errorType: String(e.status),
    signaling: 'sip',
    title: e.title,
    remedy: e.remedy!,
  }));
  return [...graph, ...sip];
}

/** HTTP statuses Graph answers without an error code, where the catalogue still has a remedy. */
const HTTP_FALLBACK_STATUS: Partial<Record<ErrorCategory, number>> = { auth: 401, rate_limited: 429, server: 503 };

/** What to do about a category when the exact code is not known: the catalogue's fallback, or its description. */
export function categoryRemedy(category: ErrorCategory): string {
  const status = HTTP_FALLBACK_STATUS[category];
  const fallback = status === undefined ? undefined : classifyGraphError({ httpStatus: status }).remedy;
  return fallback
    ? `${CATEGORY_DESCRIPTIONS[category]} ${fallback}`
    : `${CATEGORY_DESCRIPTIONS[category]} The runbook lists every catalogued code of this category.`;
}

const phrase = (r: { title: string; remedy: string }) => `${r.title}: ${r.remedy}`;

/** Several remedies for one `error_type` (e.g. SIP 403 variants) become one text; equal remedies are said once. */
function joined(list: CodeRemedy[]): string {
  const byRemedy = new Map<string, string[]>();
  for (const r of list) byRemedy.set(r.remedy, [...(byRemedy.get(r.remedy) ?? []), r.title]);
  const phrases = [...byRemedy.entries()].map(([remedy, titles]) => phrase({ title: titles.join(' / '), remedy }));
  return phrases.length === 1 ? phrases[0] : phrases.map((p, i) => `(${i + 1}) ${p}`).join(' ');
}

/**
 * The remedy for the exact `error_type` of a firing alert (chosen by the template from the labels),
 * else {@link categoryRemedy}. A code that is both a Graph code and a SIP status of the category is
 * told apart by `whatsapp_signaling`.
 */
export function remedyByCode(category: ErrorCategory, extra: Case[] = []): Text {
  const byType = new Map<string, CodeRemedy[]>();
  for (const r of codeRemedies(category)) byType.set(r.errorType, [...(byType.get(r.errorType) ?? []), r]);
  const cases: Case[] = [...byType.entries()].map(([errorType, list]) => {
    const graph = list.filter((r) => r.signaling === 'graph_api');
    const sip = list.filter((r) => r.signaling === 'sip');
    if (graph.length && sip.length) {
      return { equals: errorType, then: choose('whatsapp_signaling', [{ equals: 'sip', then: joined(sip) }], joined(graph)) };
    }
    return { equals: errorType, then: joined(list) };
  });
  return choose('error_type', [...cases, ...extra], categoryRemedy(category));
}

/** The remedy of a Graph code (for alerts about one specific code). */
export function graphRemedy(code: number): string {
  const entry = lookupGraphError(code);
  if (!entry) throw new Error(`Graph code ${code} is not in the catalogue`);
  return phrase(entry);
}

/** A category's description followed by every catalogued code's remedy, one per line (ratio alerts). */
export function categoryRemedyList(category: ErrorCategory): string {
  const lines = codeRemedies(category).map((r) => `- ${r.signaling === 'sip' ? 'SIP' : 'Graph'} ${r.errorType} ${phrase(r)}`);
  return [categoryRemedy(category), ...lines].join('\n');
}

/** Media-timeout remedies by `whatsapp_media_timeout_kind` (Graph 138021–138023, SIP 408 RTP Timeout). */
export function mediaTimeoutRemedy(): Text {
  const entries: { mediaTimeoutKind?: MediaTimeoutKind; title: string; remedy?: string }[] = [...GRAPH_ERROR_ENTRIES, ...SIP_STATUS_ENTRIES];
  const cases: Case[] = entries
    .filter((e) => e.mediaTimeoutKind && e.remedy)
    .map((e) => ({ equals: e.mediaTimeoutKind!, then: phrase({ title: e.title, remedy: e.remedy! }) }));
  return choose('whatsapp_media_timeout_kind', cases, concat(CATEGORY_DESCRIPTIONS.media_timeout, ' (kind ', label('whatsapp_media_timeout_kind'), ')'));
}
