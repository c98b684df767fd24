/**
 * Follows SIP transactions and dialogs between the business and Meta, and turns them into
 * `SipOperationEvent`s (one per transaction; the SIP pipeline makes spans, metrics and call signals of them):
 * - an INVITE attempt is keyed by Call-ID + direction, so the 407 challenge, the ACK and the retried
 *   INVITE with credentials are one attempt; a second 407/401 or a 403 after credentials is an auth
 *   failure; a CANCEL makes the 487 that follows a cancelled call, not an error;
 * - retransmissions (same branch, CSeq and status) are counted once;
 * - BYE/CANCEL transactions are keyed by branch + method;
 * - anything without a final response expires after `transactionTimeoutMs`, so memory stays bounded.
 */
import { classifySipResponse } from '../../catalogue';
import type { SipMessage } from '../wire';
import { callIdOf, cseqOf, header, topViaBranchOf } from '../wire';
import { callDurationOf, numberOf, wacidOf } from './sip-headers';
import type { SipObservation } from './sip-observation';
import type { SipOperationEvent, SipOperationName } from './sip-operation';
import { OldestFirstMap } from '../../util/oldest-first-map';
import { SlicedSweeper } from '../../util/sliced-sweeper';

export const TRANSACTION_TIMEOUT_MS = 120_000;
export const MAX_OPEN = 50_000;
/** Transactions one sweep expires before it yields to the event loop (each becomes a span and a metric point). */
export const SWEEP_SLICE = 500;
const MAX_SEEN = 16;

interface Open {
  event: SipOperationEvent;
  /** Retransmission guard: `${branch}|${cseq}|${status}` of responses seen (few per transaction). */
  seen: string[];
  /** When it started, in this process's clock (for expiry; `event.startTime` may come from a capture). */
  openedAt: number;
}

export interface SipTrackerOutputs {
  operation(event: SipOperationEvent): void;
}

export class SipTransactionTracker {
  private readonly open = new OldestFirstMap<string, Open>();
  /** One sweep timer for all transactions (a timer each would cost more than the transaction). */
  private readonly sweeper = new SlicedSweeper(
    () => this.sweep(),
    () => undefined, // `expire` hands events to outputs that guard themselves
  );

  constructor(
    private readonly out: SipTrackerOutputs,
    private readonly timeoutMs = TRANSACTION_TIMEOUT_MS,
  ) {}

  get openCount(): number {
    return this.open.size;
  }

  observe(o: SipObservation): void {
    const msg = o.message;
    const sipCallId = callIdOf(msg);
    const cseq = cseqOf(msg);
    if (!sipCallId || !cseq) return;
    if (msg.kind === 'request') this.onRequest(o, msg, sipCallId);
    else this.onResponse(o, msg, sipCallId, cseq.method);
  }

  private onRequest(o: SipObservation, msg: SipMessage & { kind: 'request' }, sipCallId: string): void {
    const method = msg.method.toUpperCase();
    if (method === 'INVITE') {
      const key = `INVITE|${sipCallId}|${o.fromBusiness ? 'out' : 'in'}`;
      const existing = this.open.get(key);
      const hasCredentials = header(msg, 'proxy-authorization') !== undefined || header(msg, 'authorization') !== undefined;
      if (existing) {
        if (hasCredentials) existing.event.credentialsSent = true;
        return;
      }
      const op = this.start(key, 'sip.invite', o, msg, sipCallId);
      op.event.credentialsSent = hasCredentials;
      op.event.direction = o.fromBusiness ? 'business_initiated' : 'user_initiated';
      op.event.consumer = numberOf(o.fromBusiness ? msg.requestUri : header(msg, 'from'));
      op.event.businessNumber = numberOf(o.fromBusiness ? header(msg, 'from') : msg.requestUri);
      return;
    }
    if (method === 'CANCEL') {
      const invite = this.open.get(`INVITE|${sipCallId}|${o.fromBusiness ? 'out' : 'in'}`);
      if (invite) invite.event.cancelled = true;
    }
    if (method === 'BYE' || method === 'CANCEL') {
      const key = `${method}|${topViaBranchOf(msg) ?? ''}|${sipCallId}`;
      if (this.open.has(key)) return; // retransmission
      const op = this.start(key, method === 'BYE' ? 'sip.bye' : 'sip.cancel', o, msg, sipCallId);
      op.event.callDurationS = callDurationOf(msg);
      op.event.direction = undefined;
    }
  }

  private onResponse(o: SipObservation, msg: SipMessage & { kind: 'response' }, sipCallId: string, method: string): void {
    const m = method.toUpperCase();
    // A response travels the other way: a response sent by the business answers Meta's request.
    const requestFromBusiness = !o.fromBusiness;
    const key = m === 'INVITE' ? `INVITE|${sipCallId}|${requestFromBusiness ? 'out' : 'in'}` : `${m}|${topViaBranchOf(msg) ?? ''}|${sipCallId}`;
    const open = this.open.get(key);
    if (!open) return;
    const guard = `${topViaBranchOf(msg) ?? ''}|${cseqOf(msg)?.seq ?? ''}|${msg.status}`;
    if (open.seen.includes(guard)) return;
    if (open.seen.length < MAX_SEEN) open.seen.push(guard);
    const ev = open.event;
    ev.wacid ??= wacidOf(msg);
    if (msg.status < 200) return;
    const challenge = msg.status === 407 || msg.status === 401;
    if (m === 'INVITE' && challenge && !ev.credentialsSent && !ev.challenged) {
      ev.challenged = true;
      return;
    }
    ev.finalStatus = msg.status;
    ev.reason = msg.reason;
    ev.warning = header(msg, 'warning');
    ev.endTime = o.at;
    this.finish(key);
  }

  private start(key: string, operation: SipOperationName, o: SipObservation, msg: SipMessage, sipCallId: string): Open {
    if (this.open.size >= MAX_OPEN) this.expire(this.open.oldestKey()!);
    const open: Open = {
      seen: [],
      openedAt: Date.now(),
      event: {
        kind: 'sip_operation',
        operation,
        role: o.fromBusiness ? 'client' : 'server',
        sipCallId,
        wacid: wacidOf(msg),
        startTime: o.at,
        endTime: o.at,
        challenged: false,
        credentialsSent: false,
        cancelled: false,
        expired: false,
        source: o.source,
        transport: o.transport,
        peerAddress: o.peerAddress,
        peerPort: o.peerPort,
        parentContext: o.parentContext,
      },
    };
    this.open.set(key, open);
    this.ensureSweeper();
    return open;
  }

  private expire(key: string): void {
    const open = this.open.get(key);
    if (!open) return;
    open.event.expired = true;
    this.finish(key);
  }

  private finish(key: string): void {
    const open = this.open.get(key);
    if (!open) return;
    this.open.delete(key);
    if (!this.open.size) this.sweeper.stop();
    const ev = open.event;
    if (ev.finalStatus !== undefined) {
      // Classified once here; the call signals and the operation span both read it.
      ev.classification = classifySipResponse({
        status: ev.finalStatus,
        reason: ev.reason,
        warning: ev.warning,
        credentialsSent: ev.credentialsSent,
        cancelled: ev.cancelled,
      });
    }
    this.out.operation(ev);
  }

  /**
   * Expires transactions older than the timeout, oldest first (insertion order is age order), at most
   * `max`; true when more are due (the timer runs them in the next turns of the event loop: a flood
   * at the cap expires 50k transactions together).
   */
  sweep(max = SWEEP_SLICE): boolean {
    const cutoff = Date.now() - this.timeoutMs;
    for (let expired = 0, key = this.open.oldestKey(); key !== undefined; key = this.open.oldestKey()) {
      if (this.open.get(key)!.openedAt > cutoff) return false;
      if (expired++ === max) return true;
      this.expire(key);
    }
    return false;
  }

  private ensureSweeper(): void {
    if (!this.sweeper.running) this.sweeper.start(Math.max(10, Math.min(5000, this.timeoutMs / 4)));
  }

  /** Ends everything open (shutdown, tests). */
  flush(): void {
    for (const key of [...this.open.liveKeys()]) this.expire(key);
  }
}
