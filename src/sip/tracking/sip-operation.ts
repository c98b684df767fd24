import type { Context } from '@opentelemetry/api';
import type { SipClassification } from '../../catalogue';
import type { CallDirection } from '../../graph/operation';
import type { SipSourceKind } from './sip-observation';

export type SipOperationName = 'sip.invite' | 'sip.bye' | 'sip.cancel';

/**
 * Domain event: one SIP operation between the business and Meta — an INVITE attempt (from the first
 * INVITE through any 407/401 challenge and the retried INVITE to the final response), a BYE or a
 * CANCEL transaction. Emitted once, when it completes or expires.
 */
export interface SipOperationEvent {
  kind: 'sip_operation';
  operation: SipOperationName;
  /** `client`: the business sent the request; `server`: Meta did. */
  role: 'client' | 'server';
  sipCallId: string;
  wacid?: string;
  direction?: CallDirection;
  startTime: number;
  endTime: number;
  finalStatus?: number;
  reason?: string;
  /** The `Warning` header (Meta: `399 wa.meta.vc "…"`), when sent. */
  warning?: string;
  /** The catalogue's reading of the final response (set when there is one). */
  classification?: SipClassification;
  challenged: boolean;
  credentialsSent: boolean;
  cancelled: boolean;
  /** No final response before the tracker gave up. */
  expired: boolean;
  businessNumber?: string;
  consumer?: string;
  /** `x-wa-meta-call-duration` of a BYE from Meta, seconds. */
  callDurationS?: number;
  source: SipSourceKind;
  transport: string;
  peerAddress?: string;
  peerPort?: number;
  parentContext?: Context;
}
