/**
 * The SIP sources — the socket tap, the `sip` and drachtio-srf library taps, the HEP receiver — and
 * the transaction/dialog tracker they all feed: SIP messages in, one `SipOperationEvent` per
 * transaction out (the instrumentation turns those into spans, metrics and call signals).
 */
import type { DiagLogger } from '@opentelemetry/api';
import * as net from 'node:net';
import type { SipObservation } from '../../sip/tracking/sip-observation';
import type { SipOperationEvent } from '../../sip/tracking/sip-operation';
import { SipTransactionTracker } from '../../sip/tracking/sip-transaction-tracker';
import type { WhatsAppCallingInstrumentationConfig } from '../../types';
import { HepReceiver } from './hep-receiver';
import { matchesPeer, parseSipPeers, DEFAULT_SIP_PEERS } from './sip-peers';
import type { SipPeer } from './sip-peers';
import { SipSocketTap } from './socket-tap';

export interface SipSourcesDeps {
  config(): WhatsAppCallingInstrumentationConfig;
  isEnabled(): boolean;
  emit(event: SipOperationEvent): void;
  diag: DiagLogger;
}

export class SipSources {
  readonly tracker: SipTransactionTracker;
  readonly socketTap: SipSocketTap;
  /** Starts/stops the HEP receiver with the instrumentation, when `hep` is configured. */
  readonly hepSource = { enable: () => this.startHep(), disable: () => this.stopHep() };
  hepReceiver?: HepReceiver;
  private hepStarting?: Promise<void>;
  private peers: SipPeer[] = [];
  private peersSource?: readonly string[];

  constructor(private readonly deps: SipSourcesDeps) {
    this.tracker = new SipTransactionTracker({ operation: (e) => deps.emit(e) });
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

  /** Addresses learned to be Meta's (a name peer resolved by a SIP library); bounded. */
  private readonly learnedMeta = new Set<string>();

  /** For library taps: is `address:port` Meta's side (a configured peer, a HEP Meta address, or learned)? */
  readonly libraryDeps = {
    observe: (o: SipObservation) => this.observe(o),
    onError: (where: string, err: unknown) => this.deps.diag.error(`internal error in ${where}`, err),
    isMetaPeer: (address: string | undefined, port: number | undefined, requestHost?: string): boolean => {
      if (!address || port === undefined) return false;
      const key = `${address}:${port}`;
      const peers = this.currentPeers();
      if (matchesPeer(peers, address, port) || this.learnedMeta.has(key)) return true;
      if (this.deps.config().hep?.metaAddresses?.some((m) => m === address || m === key)) return true;
      if (requestHost && peers.some((p) => p.host === requestHost.toLowerCase())) {
        if (this.learnedMeta.size >= 256) this.learnedMeta.clear();
        this.learnedMeta.add(key);
        return true;
      }
      return false;
    },
  };

  /** Resolves once the HEP receiver listens (tests and the sidecar wait on it). */
  hepReady(): Promise<void> {
    return this.hepStarting ?? Promise.resolve();
  }

  private startHep(): void {
    const config = this.deps.config().hep;
    if (!config || this.hepReceiver) return;
    const receiver = new HepReceiver(config, {
      observe: (o) => this.observe(o),
      metaAddresses: () =>
        this.deps.config().hep?.metaAddresses ?? this.currentPeers().filter((p) => net.isIP(p.host)).map((p) => `${p.host}:${p.port}`),
      onError: (where, err) => this.deps.diag.error(`internal error in ${where}`, err),
    });
    this.hepReceiver = receiver;
    this.hepStarting = receiver.start().catch((err) => {
      this.deps.diag.error('HEP receiver could not start', err);
      this.hepReceiver = undefined;
    });
  }

  private stopHep(): void {
    const receiver = this.hepReceiver;
    this.hepReceiver = undefined;
    this.hepStarting = undefined;
    if (receiver) void receiver.stop();
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
