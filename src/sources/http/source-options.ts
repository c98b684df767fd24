import type { GraphOperationListener } from '../../events/graph-operation';
import type { GraphBase } from '../../graph/graph-endpoints';

/** What an HTTP source needs from the instrumentation; getters so `setConfig` takes effect at once. */
export interface HttpSourceOptions {
  bases(): readonly GraphBase[];
  maxBodyBytes(): number;
  /** `traceContextInCallbackData`: add the trace's traceparent to connect/accept bodies that have no callback data. */
  injectTraceContext(): boolean;
  /**
   * Whether to keep every response header (a `responseHook` gets them all); otherwise only the ones
   * an exchange reads (`RESPONSE_HEADERS_READ`) are decoded.
   */
  allResponseHeaders(): boolean;
  emit: GraphOperationListener;
  /** Reports an internal failure (never thrown into the app). */
  onError(where: string, err: unknown): void;
}
