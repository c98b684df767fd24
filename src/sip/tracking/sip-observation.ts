import type { Context } from '@opentelemetry/api';
import type { SipMessage } from '../wire';

/** Which source saw the message. */
export type SipSourceKind = 'socket' | 'sip_npm' | 'drachtio' | 'hep';

/**
 * Domain event: one SIP message seen on the business's signalling path to Meta, whichever source
 * captured it. `fromBusiness` is true for messages the business side sent towards Meta.
 */
export interface SipObservation {
  message: SipMessage;
  fromBusiness: boolean;
  at: number;
  source: SipSourceKind;
  transport: 'tls' | 'tcp' | 'udp';
  /** Meta's side of the exchange (host or address, port). */
  peerAddress?: string;
  peerPort?: number;
  /** The app's context when it sent the message (sockets and libraries), for span parents. */
  parentContext?: Context;
}
