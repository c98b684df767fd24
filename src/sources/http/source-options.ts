import type { GraphOperationListener } from '../../events/graph-operation';
import type { GraphBase } from '../../graph/graph-endpoints';

/** What an HTTP source needs from the instrumentation; getters so `setConfig` takes effect at once. */
export interface HttpSourceOptions {
  bases(): readonly GraphBase[];
  maxBodyBytes(): number;
  emit: GraphOperationListener;
  /** Reports an internal failure (never thrown into the app). */
  onError(where: string, err: unknown): void;
}
