/** What every route handler gets: the sandbox's state and this response's trace id. */
import { errorBody, nextCallDetails } from './errors';
import { DAY_MS } from './limits';
import type { SandboxLimits } from './limits';
import type { SettingsStore } from './settings';

export interface SandboxState {
  now: () => number;
  limits: SandboxLimits;
  settings: SettingsStore;
  /** Pairs that granted a temporary permission: `number|user` → grant time (ms). */
  grants: Map<string, number>;
  concurrentCallLimit: number;
  businessInitiatedCallLimit: number;
  callInitiationLimit: number;
}

export interface RouteContext {
  state: SandboxState;
  /** This response's `x-fb-trace-id`, repeated as `fbtrace_id` in error bodies. */
  fbtraceId: string;
}

export interface RouteResult {
  status: number;
  body: object;
  headers?: Record<string, string>;
}

export type Body = Record<string, unknown>;

export const ok = (body: object): RouteResult => ({ status: 200, body });
/** The error response for `code`; a 138012 without details names "24 h from now" as the next allowed time. */
export function fail(ctx: RouteContext, code: number, details?: string): RouteResult {
  const { now, businessInitiatedCallLimit } = ctx.state;
  const d = details ?? (code === 138012 ? nextCallDetails(businessInitiatedCallLimit, Math.ceil((now() + DAY_MS) / 1000)) : undefined);
  return errorBody(code, ctx.fbtraceId, d);
}

/** Error 100 for a missing or wrong `messaging_product`, else undefined. */
export function checkMessagingProduct(ctx: RouteContext, b: Body): RouteResult | undefined {
  if (b.messaging_product === undefined) return fail(ctx, 100, 'The parameter messaging_product is required.');
  if (b.messaging_product !== 'whatsapp') return fail(ctx, 100, "Param messaging_product must be 'whatsapp'.");
  return undefined;
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
