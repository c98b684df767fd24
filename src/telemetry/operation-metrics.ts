import { ValueType } from '@opentelemetry/api';
import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_SIP_STATUS_CODE,
  ATTR_WA_ERROR_CATEGORY,
  ATTR_WA_OPERATION,
  ATTR_WA_PHONE_NUMBER_ID,
  ATTR_WA_SIGNALING,
  METRIC_ERRORS,
  METRIC_OPERATION_DURATION,
  OPERATION_DURATION_BUCKETS,
} from '../semconv';

/** One operation's measurement, shared by the Graph and SIP paths. No call or user ids (cardinality). */
export interface OperationMeasurement {
  operation: string;
  signaling: string;
  phoneNumberId?: string;
  durationS: number;
  errorType?: string;
  errorCategory?: string;
  /** SIP operations: the final response status (the dashboard's SIP status mix). */
  sipStatusCode?: number;
}

export class OperationMetrics {
  private readonly duration: Histogram;
  private readonly errors: Counter;

  constructor(meter: Meter) {
    this.duration = meter.createHistogram(METRIC_OPERATION_DURATION, {
      description: 'Duration of WhatsApp Calling operations (Graph API requests, SIP INVITE setup)',
      unit: 's',
      valueType: ValueType.DOUBLE,
      advice: { explicitBucketBoundaries: OPERATION_DURATION_BUCKETS },
    });
    this.errors = meter.createCounter(METRIC_ERRORS, {
      description: 'WhatsApp Calling errors by category',
      unit: '{error}',
      valueType: ValueType.INT,
    });
  }

  record(m: OperationMeasurement): void {
    this.duration.record(Math.max(0, m.durationS), this.attributes(m, true));
    if (m.errorType) {
      const errorAttrs = this.attributes(m, false);
      errorAttrs[ATTR_WA_ERROR_CATEGORY] = m.errorCategory ?? 'unknown';
      this.countError(errorAttrs);
    }
  }

  /** Built field by field: object rest/spread take V8's slow path for attribute sets of varying shapes. */
  private attributes(m: OperationMeasurement, withSipStatus: boolean): Attributes {
    const attrs: Attributes = { [ATTR_WA_OPERATION]: m.operation, [ATTR_WA_SIGNALING]: m.signaling };
    if (m.phoneNumberId) attrs[ATTR_WA_PHONE_NUMBER_ID] = m.phoneNumberId;
    if (m.errorType) attrs[ATTR_ERROR_TYPE] = m.errorType;
    if (withSipStatus && m.sipStatusCode !== undefined) attrs[ATTR_SIP_STATUS_CODE] = m.sipStatusCode;
    return attrs;
  }

  /** Also used for errors that reach us only by webhook (no operation duration). */
  countError(attrs: Attributes): void {
    this.errors.add(1, attrs);
  }
}
