import type { Context } from '@opentelemetry/api';
import type { GraphEndpoint } from '../graph/graph-endpoints';
import type { GraphOperation } from '../graph/operation';
import type { GraphRequestFields } from '../graph/request-body';
import type { GraphResponseFields } from '../graph/response-body';

/** A transport-level failure (no complete HTTP response). */
export interface TransportFailure {
  /** Low-cardinality: the error's `code` (ECONNREFUSED …) or class name. */
  type: string;
  message: string;
}

/**
 * Domain event: one WhatsApp Graph API operation, observed from the first request byte to the end of
 * the response (or its failure). Emitted once per HTTP exchange by an HTTP source; consumed by
 * telemetry (span + metrics) and, later, the call tracker.
 */
export interface GraphOperationEvent {
  kind: 'graph_operation';
  operation: GraphOperation;
  endpoint: GraphEndpoint;
  method: string;
  /** Full URL for user hooks only; never exported (its query can hold a consumer number). */
  url: string;
  serverAddress: string;
  serverPort: number;
  /** The app's context when the request started: the operation span's parent. */
  parentContext: Context;
  startTime: number;
  endTime: number;
  request: GraphRequestFields;
  requestBodyText?: string;
  statusCode?: number;
  responseHeaders: Record<string, string>;
  response: GraphResponseFields;
  responseBodyText?: string;
  transportFailure?: TransportFailure;
  /** The app aborted the request: not an error (HTTP semconv). */
  aborted: boolean;
  /** The response was not seen to its end: a transport failure, an abort, or the exchange timed out waiting. */
  incomplete?: boolean;
}

export type GraphOperationListener = (event: GraphOperationEvent) => void;
