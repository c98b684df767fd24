/**
 * The SIP sources — the socket tap, the `sip` and drachtio-srf library taps, the HEP receiver — and
 * the transaction/dialog tracker they all feed: SIP messages in, one `SipOperationEvent` per
 * transaction out (the instrumentation turns those into spans, metrics and call signals). Every
 * source asks the same MetaPeers whether a peer is Meta.
 */
import type { DiagLogger, Meter } from '@opentelemetry/api';
import { ATTR_WA_HEP_DROP_REASON, METRIC_HEP_DROPPED } from '../../semconv';
import type { SipObservation } from '../../sip/tracking/sip-observation';
import type { SipOperationEvent } from '../../sip/tracking/sip-operation';
import { SipTransactionTracker } from '../../sip/tracking/sip-transaction-tracker';
import type { WhatsAppCallingInstrumentationConfig } from '../../types';
import { HepReceiver } from './hep-receiver';
import type { LibraryTapDeps } from './library-taps';
import { HEP_DROP_REASONS } from './listener-caps';
import { MetaPeers } from './meta-peers';
import type { HostResolver } from './peer-name-resolution';
import { SipSocketTap } from './socket-tap';
import { UnexplainedHepTraffic } from './unexplained-hep';

export interface SipSourcesDeps {
  config(): WhatsAppCallingInstrumentationConfig;
  isEnabled(): boolean;
  emit(event: SipOperationEvent): void;
  diag: DiagLogger;
  /** For `whatsapp.calling.hep.dropped`; see also `updateMeter`. */
  meter?(): Meter;
  /** Resolution of `sipPeers` host names (tests inject a fake). Default: node:dns `lookup`. */
  resolveHost?: HostResolver;
  /** Between DNS refreshes of `sipPeers` names. Default 5 min. */
  dnsRefreshMs?: number;
  /** Unexplained HEP SIP packets before the one warning. Default 20. */
  unexplainedHepThreshold?: number;
  /** Clock for the HEP rate limiter, ms (tests). */
  now?(): number;
}

export class SipSources {
  readonly tracker: SipTransactionTracker;
  /** The one answer to "is this peer Meta?". */
  readonly metaPeers: MetaPeers;
  readonly socketTap: SipSocketTap;
  /** Listens while the instrumentation is enabled, when `hep` is configured. */
  readonly hepReceiver: HepReceiver;
  /** For the SIP library patches (`sip`, drachtio-srf). */
  readonly libraryDeps: LibraryTapDeps;

  constructor(private readonly deps: SipSourcesDeps) {
    const onError = (where: string, err: unknown) => deps.diag.error(`internal error in ${where}`, err);
    this.tracker = new SipTransactionTracker({ operation: (e) => deps.emit(e) });
    this.metaPeers = new MetaPeers({
      config: () => deps.config(),
      warn: (m) => deps.diag.warn(m),
      debug: (m) => deps.diag.debug(m),
      resolve: deps.resolveHost,
      refreshMs: deps.dnsRefreshMs,
    });
    this.socketTap = new SipSocketTap({ meta: this.metaPeers, observe: (o) => this.observe(o), onError });
    this.libraryDeps = {
      observe: (o) => this.observe(o),
      onError,
      isMetaPeer: (address, port, requestHost) => this.metaPeers.isMetaPeer(address, port, requestHost),
      activate: () => this.metaPeers.need(),
    };
    const unexplained = new UnexplainedHepTraffic({
      warn: (m) => deps.diag.warn(m),
      describe: () => this.metaPeers.describe(),
      settled: () => this.metaPeers.settled,
      threshold: deps.unexplainedHepThreshold,
    });
    this.hepReceiver = new HepReceiver({
      config: () => deps.config().hep,
      meta: this.metaPeers,
      observe: (o) => this.observe(o),
      onError,
      onStartError: (err) => deps.diag.error('HEP receiver could not start', err),
      unexplained,
      now: deps.now,
    });
    if (deps.meter) this.updateMeter(deps.meter());
  }

  /** The HEP receiver as the instrumentation's source list sees it. */
  get hepSource(): HepReceiver {
    return this.hepReceiver;
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

  /** Resolves once the HEP receiver listens (or failed to); tests and the sidecar wait on it. */
  hepReady(): Promise<void> {
    return this.hepReceiver.ready();
  }

  /** (Re)creates `whatsapp.calling.hep.dropped` on a new meter: cumulative drops by reason, while `hep` is configured. */
  updateMeter(meter: Meter): void {
    const counter = meter.createObservableCounter(METRIC_HEP_DROPPED, {
      description: 'HEP packets (or TCP stream segments) the receiver dropped over a cap, by reason',
      unit: '{packet}',
    });
    counter.addCallback((result) => {
      if (!this.deps.config().hep) return;
      for (const reason of HEP_DROP_REASONS) result.observe(this.hepReceiver.stats.dropped[reason], { [ATTR_WA_HEP_DROP_REASON]: reason });
    });
  }
}
