/**
 * HEP with nothing to show: packets arrive, but no leg has Meta on exactly one side, so not one SIP
 * call is traced — usually because Meta's addresses are not known (the default `sipPeers` name did not
 * resolve, or the SBC reaches Meta by other addresses). Says so once, naming what to configure.
 */
export interface UnexplainedHepOptions {
  warn(message: string): void;
  /** What is known of Meta's side, for the message. */
  describe(): string;
  /** Whether DNS answers for `sipPeers` names are in (before that, silence is premature). */
  settled(): boolean;
  /** Unexplained SIP packets before warning (default 20; an SBC's other legs are normal). */
  threshold?: number;
}

const MAX_EXAMPLES = 3;

export class UnexplainedHepTraffic {
  private unexplained = 0;
  private explainedOnce = false;
  private warned = false;
  private readonly examples = new Set<string>();
  private readonly threshold: number;

  constructor(private readonly o: UnexplainedHepOptions) {
    this.threshold = Math.max(1, o.threshold ?? 20);
  }

  /** A leg with Meta on one side: the configuration works; never warn. */
  explained(): void {
    this.explainedOnce = true;
  }

  unexplainedLeg(src: string, dst: string): void {
    if (this.warned || this.explainedOnce) return;
    this.unexplained++;
    if (this.examples.size < MAX_EXAMPLES) this.examples.add(`${src} → ${dst}`);
    if (this.unexplained < this.threshold || !this.o.settled()) return;
    this.warned = true;
    this.o.warn(
      `HEP: ${this.unexplained} SIP packets received and none is between Meta and another address, so no WhatsApp SIP call is traced ` +
        `(seen e.g. ${[...this.examples].join(', ')}). Meta's side is known from ${this.o.describe()}. ` +
        'Set `sipPeers` to the host:port your SBC reaches Meta at (default wa.meta.vc:5061, resolved through DNS), ' +
        "or `hep.metaAddresses` (OTEL_WHATSAPP_HEP_META_ADDRESSES) to Meta's addresses as they appear in the HEP stream (ip, ip:port or CIDR).",
    );
  }

  get hasWarned(): boolean {
    return this.warned;
  }
}
