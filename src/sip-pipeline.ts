/**
 * SIP path: sources (socket tap; later the `sip` package, drachtio and HEP) → observations → the
 * transaction/dialog tracker → SIP operation spans + call signals for the shared call tracker.
 */
import type { DiagLogger, Tracer } from '@opentelemetry/api';
import type { CallLifecycle } from './call-lifecycle';
import type { SipObservation } from './sip/tracking/sip-observation';
import { SipTransactionTracker } from './sip/tracking/sip-transaction-tracker';
import { parseSipPeers, DEFAULT_SIP_PEERS } from './sources/sip/sip-peers';
import type { SipPeer } from './sources/sip/sip-peers';
import { SipSocketTap } from './sources/sip/socket-tap';
import type { OperationMetrics } from './telemetry/operation-metrics';
import { recordSipOperation } from './telemetry/sip-operation-span';
import type { WhatsAppCallingInstrumentationConfig } from './types';

export interface SipPipelineDeps {
  tracer(): Tracer;
  metrics(): OperationMetrics;
  config(): WhatsAppCallingInstrumentationConfig;
  calls(): CallLifecycle;
  isEnabled(): boolean;
  diag: DiagLogger;
}

export class SipPipeline {
  readonly tracker: SipTransactionTracker;
  readonly socketTap: SipSocketTap;
  private peers: SipPeer[] = [];
  private peersSource?: readonly string[];

  constructor(private readonly deps: SipPipelineDeps) {
    this.tracker = new SipTransactionTracker({
      signal: (s) => deps.calls().observeSignal(s),
      operation: (e) => {
        const callSpan = deps.calls().tracker.handleOf(`sip:${e.sipCallId}`)?.spanContext();
        recordSipOperation(e, deps.tracer(), deps.metrics(), deps.config(), callSpan);
      },
    });
    this.socketTap = new SipSocketTap({
      peers: () => this.currentPeers(),
      observe: (o) => this.observe(o),
      onError: (where, err) => deps.diag.error(`internal error in ${where}`, err),
    });
  }

  /** Feeds one SIP message from any source; never throws. */
  observe(o: SipObservation): void {
    if (!this.deps.isEnabled()) return;
    try {
      this.tracker.observe(o);
    } catch (err) {
      this.deps.diag.error('failed to observe a SIP message', err);
    }
  }

  private currentPeers(): readonly SipPeer[] {
    const configured = this.deps.config().sipPeers ?? DEFAULT_SIP_PEERS;
    if (configured !== this.peersSource) {
      this.peersSource = configured;
      this.peers = parseSipPeers(configured, (e) => this.deps.diag.warn(`ignoring invalid sipPeers entry: ${e}`));
    }
    return this.peers;
  }
}
