/**
 * Turns a `GraphOperationEvent` into the `whatsapp {operation}` CLIENT span and its metrics.
 *
 * The span is created when the exchange completes, with the start time and parent context captured
 * when the request started: samplers and exporters then see the final name (the action is only known
 * once the body has been read) and the span can't be left open by a request that never finishes.
 * It is a sibling of any HTTP span from instrumentation-undici/-http (same parent), which keeps the
 * result identical whichever instrumentation was registered first.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Attributes, DiagLogger, Span, Tracer } from '@opentelemetry/api';
import { safeExecuteInTheMiddle } from '@opentelemetry/instrumentation';
import type { GraphOperationEvent } from '../events/graph-operation';
import { outcomeOf } from '../graph/outcome';
import type { OperationOutcome } from '../graph/outcome';
import * as A from '../semconv';
import type { WhatsAppCallingInstrumentationConfig } from '../types';
import { consumerIdentity, consumerOf } from './consumer-identity';
import type { OperationMetrics } from './operation-metrics';

export interface GraphSpanDeps {
  tracer(): Tracer;
  metrics(): OperationMetrics;
  config(): WhatsAppCallingInstrumentationConfig;
  diag: DiagLogger;
}

export function recordGraphOperation(event: GraphOperationEvent, deps: GraphSpanDeps): { span: Span; outcome: OperationOutcome } {
  const config = deps.config();
  const outcome = outcomeOf(event);
  const { requestHook, responseHook } = config;
  const attributes = requestAttributes(event, config);
  // Without a requestHook to run in between, all attributes go in at the start, in one pass.
  if (!requestHook) responseAttributes(event, outcome, attributes);
  const span = deps.tracer().startSpan(
    `whatsapp ${event.operation.name}`,
    {
      kind: SpanKind.CLIENT,
      startTime: event.startTime,
      attributes,
    },
    event.parentContext,
  );
  if (requestHook) {
    runHook(
      'requestHook',
      () => requestHook(span, { method: event.method, url: event.url, operation: event.operation.name, body: event.requestBodyText }),
      deps.diag,
    );
    span.setAttributes(responseAttributes(event, outcome, {}));
  }
  if (outcome.failed) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.message });
    if (outcome.remedy) {
      span.addEvent(
        A.EVENT_WA_ERROR_REMEDY,
        {
          [A.ATTR_WA_ERROR_REMEDY]: outcome.remedy,
          ...(outcome.title ? { [A.ATTR_WA_ERROR_TITLE]: outcome.title } : {}),
          ...(outcome.category ? { [A.ATTR_WA_ERROR_CATEGORY]: outcome.category } : {}),
        },
        event.endTime,
      );
    }
  }
  if (responseHook) {
    runHook(
      'responseHook',
      () => responseHook(span, { statusCode: event.statusCode, headers: event.responseHeaders, body: event.responseBodyText }),
      deps.diag,
    );
  }
  span.end(event.endTime);
  deps.metrics().record({
    operation: event.operation.name,
    signaling: A.SIGNALING_GRAPH_API,
    phoneNumberId: event.endpoint.phoneNumberId,
    durationS: (event.endTime - event.startTime) / 1000,
    errorType: outcome.errorType,
    errorCategory: outcome.category,
  });
  return { span, outcome };
}

/** Runs a user hook; what it throws — or, for an async hook, rejects with — is logged, never the app's. */
function runHook(name: string, hook: () => unknown, diag: DiagLogger): void {
  safeExecuteInTheMiddle(
    () => {
      const result = hook();
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
        (result as PromiseLike<unknown>).then(undefined, (err: unknown) => diag.error(`${name} failed`, err));
      }
    },
    (err) => err && diag.error(`${name} failed`, err),
    true,
  );
}

function requestAttributes(event: GraphOperationEvent, config: WhatsAppCallingInstrumentationConfig): Attributes {
  const { operation, request, endpoint } = event;
  const attrs: Attributes = {
    [A.ATTR_WA_OPERATION]: operation.name,
    [A.ATTR_WA_SIGNALING]: A.SIGNALING_GRAPH_API,
    [A.ATTR_WA_PHONE_NUMBER_ID]: endpoint.phoneNumberId,
    [A.ATTR_HTTP_REQUEST_METHOD]: event.method,
    [A.ATTR_SERVER_ADDRESS]: event.serverAddress,
    [A.ATTR_SERVER_PORT]: event.serverPort,
  };
  if (operation.action) attrs[A.ATTR_WA_CALL_ACTION] = operation.action;
  if (operation.direction) attrs[A.ATTR_WA_CALL_DIRECTION] = operation.direction;
  if (request.callId) attrs[A.ATTR_WA_CALL_ID] = request.callId;
  if (request.mediaSecurity) attrs[A.ATTR_WA_MEDIA_SECURITY] = request.mediaSecurity;
  const user = consumerIdentity(config.consumerNumbers, consumerOf(request.to, endpoint.query), config.consumerNumberHashKey);
  if (user) attrs[A.ATTR_WA_USER_ID] = user;
  return attrs;
}

/** Adds what the response told to `attrs`. */
function responseAttributes(event: GraphOperationEvent, outcome: OperationOutcome, attrs: Attributes): Attributes {
  const headers = event.responseHeaders;
  const { response } = event;
  if (event.statusCode !== undefined) attrs[A.ATTR_HTTP_RESPONSE_STATUS_CODE] = event.statusCode;
  if (!event.request.callId && response.callId) attrs[A.ATTR_WA_CALL_ID] = response.callId;
  if (response.messageId) attrs[A.ATTR_WA_MESSAGE_ID] = response.messageId;
  if (headers['x-fb-request-id']) attrs[A.ATTR_WA_REQUEST_ID] = headers['x-fb-request-id'];
  const fbtrace = response.error?.fbtraceId ?? headers['x-fb-trace-id'];
  if (fbtrace) attrs[A.ATTR_WA_FBTRACE_ID] = fbtrace;
  const version = headers['facebook-api-version'] ?? event.endpoint.pathVersion;
  if (version) attrs[A.ATTR_WA_API_VERSION] = version;
  const error = response.error;
  if (error?.code !== undefined) attrs[A.ATTR_WA_ERROR_CODE] = error.code;
  if (error?.subcode !== undefined) attrs[A.ATTR_WA_ERROR_SUBCODE] = error.subcode;
  if (error?.type) attrs[A.ATTR_WA_ERROR_TYPE] = error.type;
  if (outcome.category) attrs[A.ATTR_WA_ERROR_CATEGORY] = outcome.category;
  if (outcome.errorType) attrs[A.ATTR_ERROR_TYPE] = outcome.errorType;
  if (event.incomplete) attrs[A.ATTR_WA_OPERATION_INCOMPLETE] = true;
  return attrs;
}
