/**
 * `WhatsAppCallingInstrumentation`: wires the sources (HTTP clients; later webhooks and SIP) to
 * domain events, and domain events to telemetry. Channel- and prototype-tap based: `init()` patches
 * no module, so it works whatever order the app imports its HTTP client in.
 */
import { InstrumentationBase } from '@opentelemetry/instrumentation';
import type { GraphOperationEvent, GraphOperationListener } from './events/graph-operation';
import { DEFAULT_GRAPH_API_BASE_URLS, parseGraphBases } from './graph/graph-endpoints';
import type { GraphBase } from './graph/graph-endpoints';
import { NodeHttpSource } from './sources/http/node-http-source';
import type { HttpSourceOptions } from './sources/http/source-options';
import { UndiciSource } from './sources/http/undici-source';
import { recordGraphOperation } from './telemetry/graph-operation-span';
import { OperationMetrics } from './telemetry/operation-metrics';
import type { WhatsAppCallingInstrumentationConfig } from './types';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version';

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

interface Source {
  enable(): void;
  disable(): void;
}

export class WhatsAppCallingInstrumentation extends InstrumentationBase<WhatsAppCallingInstrumentationConfig> {
  // `declare`: these are set from the super constructor (setConfig/_updateMetricInstruments/enable),
  // before field initialisers would run — an initialiser would wipe them.
  declare private _bases: GraphBase[];
  declare private _operationMetrics: OperationMetrics;
  declare private _sources: Source[] | undefined;
  declare private _graphListeners: Set<GraphOperationListener> | undefined;

  constructor(config: WhatsAppCallingInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  protected override init(): undefined {
    return undefined;
  }

  override setConfig(config: WhatsAppCallingInstrumentationConfig = {}): void {
    super.setConfig(config);
    const urls = config.graphApiBaseUrls ?? DEFAULT_GRAPH_API_BASE_URLS;
    this._bases = parseGraphBases(urls, (url) => this._diag.warn(`ignoring invalid graphApiBaseUrls entry: ${url}`));
  }

  protected override _updateMetricInstruments(): void {
    this._operationMetrics = new OperationMetrics(this.meter);
  }

  override enable(): void {
    super.enable();
    for (const source of this.sources()) source.enable();
  }

  override disable(): void {
    super.disable();
    for (const source of this._sources ?? []) source.disable();
  }

  /** Observe every recognised Graph operation (used by the call tracker; never throws into sources). */
  onGraphOperation(listener: GraphOperationListener): () => void {
    this._graphListeners ??= new Set();
    this._graphListeners.add(listener);
    return () => this._graphListeners?.delete(listener);
  }

  private sources(): Source[] {
    if (!this._sources) {
      const options: HttpSourceOptions = {
        bases: () => this._bases,
        maxBodyBytes: () => this.getConfig().maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
        emit: (event) => this.handleGraphOperation(event),
        onError: (where, err) => this._diag.error(`internal error in ${where}`, err),
      };
      this._sources = [new UndiciSource(options), new NodeHttpSource(options)];
    }
    return this._sources;
  }

  private handleGraphOperation(event: GraphOperationEvent): void {
    if (this.getConfig().enabled === false) return;
    try {
      recordGraphOperation(event, {
        tracer: () => this.tracer,
        metrics: () => this._operationMetrics,
        config: () => this.getConfig(),
        diag: this._diag,
      });
    } catch (err) {
      this._diag.error('failed to record a Graph operation', err);
    }
    for (const listener of this._graphListeners ?? []) {
      try {
        listener(event);
      } catch (err) {
        this._diag.error('Graph operation listener failed', err);
      }
    }
  }
}
