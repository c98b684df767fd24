/**
 * What the demo knows and the telemetry doesn't: which scenario a call belongs to. Only for the
 * Scenario column of the call log; keyed by call id, SIP Call-ID or trace id. Filled during the named
 * scenarios only (a few dozen entries), never during generated traffic.
 */
export class ScenarioLabels {
  constructor() {
    this.byId = new Map();
    this.byTrace = new Map();
  }

  id(id, label) {
    if (id) this.byId.set(id, label);
  }

  trace(traceId, label) {
    this.byTrace.set(traceId, label);
  }

  /** The label of a call-log row, if it came from a named scenario. */
  of(row) {
    return this.byId.get(row.callId) ?? this.byId.get(row.requestId) ?? this.byTrace.get(row.traceId);
  }
}
