import { context } from '@opentelemetry/api';
import { matchEndpoint, matchOrigin } from '../../graph/graph-endpoints';
import { GraphExchange } from './graph-exchange';
import type { OutgoingHeaders } from './propagated-parent';
import type { HttpSourceOptions } from './source-options';

/**
 * The one decision every HTTP source makes per request: is it a Graph Calling request? If so, an
 * exchange starts now, in the app's context (the caller's synchronous stack). `outgoingHeaders` reads
 * the request's headers when it completes (see propagated-parent).
 */
export function openExchange(
  options: HttpSourceOptions,
  origin: string,
  method: string,
  path: string,
  source: string,
  outgoingHeaders?: OutgoingHeaders,
): GraphExchange | undefined {
  const base = matchOrigin(options.bases(), origin);
  if (!base) return undefined;
  const endpoint = matchEndpoint(base, method, path);
  if (!endpoint) return undefined;
  return new GraphExchange({
    base,
    endpoint,
    method,
    url: origin + path,
    parentContext: context.active(),
    outgoingHeaders,
    maxBodyBytes: options.maxBodyBytes(),
    emit: options.emit,
    onError: (err) => options.onError(`${source} exchange`, err),
  });
}
