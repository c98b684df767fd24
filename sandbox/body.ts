/**
 * Request bodies as Graph reads them: JSON, or `application/x-www-form-urlencoded` where nested
 * objects travel either as JSON strings (`session={"sdp":…}`) or in bracket form (`session[sdp]=…`).
 */
import type { IncomingMessage } from 'node:http';
import type { Body } from './context';

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function parseBody(raw: string, contentType: string | undefined): Body | undefined {
  if (!raw.trim()) return undefined;
  const isForm = (contentType ?? '').toLowerCase().includes('application/x-www-form-urlencoded');
  if (!isForm) {
    try {
      const v: unknown = JSON.parse(raw);
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Body) : undefined;
    } catch {
      if (!raw.includes('=')) return undefined; // neither JSON nor a form
    }
  }
  return parseForm(raw);
}

function parseForm(raw: string): Body {
  const out: Body = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const path = key.replace(/\]/g, '').split('[');
    let target = out;
    for (const part of path.slice(0, -1)) {
      if (typeof target[part] !== 'object' || target[part] === null) target[part] = {};
      target = target[part] as Body;
    }
    target[path[path.length - 1]] = jsonValue(value);
  }
  return out;
}

/** Graph accepts JSON-encoded objects and arrays as form values. */
function jsonValue(value: string): unknown {
  if (!/^\s*[[{]/.test(value)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
