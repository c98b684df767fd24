/**
 * Decides whether a Graph operation failed and how to label the failure: `error.type` (Meta's code as
 * a string, else the HTTP status, else the transport error code) and the catalogue's category/remedy.
 */
import { classifyGraphError } from '../catalogue';
import type { ErrorCategory } from '../catalogue';
import type { GraphOperationEvent } from '../events/graph-operation';

export interface OperationOutcome {
  failed: boolean;
  errorType?: string;
  code?: number;
  category?: ErrorCategory;
  title?: string;
  remedy?: string;
  /** Human text for the span status: Meta's message, or the transport error's. */
  message?: string;
}

/** The request never got an HTTP response: nothing Meta said, so the remedy is about the way there. */
const TRANSPORT_REMEDY =
  'The request got no response from the Graph API: check DNS, proxy and firewall egress to graph.facebook.com, retry with backoff, and see error.type for the socket error.';

export function outcomeOf(event: GraphOperationEvent): OperationOutcome {
  if (event.aborted) return { failed: false };
  if (event.transportFailure) {
    return {
      failed: true,
      errorType: event.transportFailure.type,
      category: 'connection',
      title: 'Graph API unreachable',
      remedy: TRANSPORT_REMEDY,
      message: event.transportFailure.message,
    };
  }
  const error = event.response.error;
  const status = event.statusCode;
  if (error?.code !== undefined) {
    const c = classifyGraphError({ code: error.code, httpStatus: status });
    return {
      failed: true,
      errorType: String(error.code),
      code: error.code,
      category: c.category,
      title: c.title,
      remedy: c.remedy,
      message: error.message ?? c.title,
    };
  }
  if (status !== undefined && status >= 400) {
    const c = classifyGraphError({ httpStatus: status });
    return { failed: true, errorType: String(status), category: c.category, remedy: c.remedy, message: error?.message ?? `HTTP ${status}` };
  }
  return { failed: false };
}
