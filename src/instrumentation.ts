/**
 * `WhatsAppCallingInstrumentation`: only wiring. Sources (HTTP clients, webhook middleware, SIP taps
 * and HEP) emit domain events to the event router, which records operation telemetry and feeds the
 * one call path. HTTP is channel- and prototype-tap based: `init()` patches no HTTP module, so it
 * works whatever order the app imports its client in.
 */
import { InstrumentationBase, InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile } from '@opentelemetry/instrumentation';
import { CallPath } from './call-path';
import { EventRouter } from './event-router';
import { DEFAULT_GRAPH_API_BASE_URLS, parseGraphBases } from './graph/graph-endpoints';
import type { GraphBase } from './graph/graph-endpoints';
import { NodeHttpSource } from './sources/http/node-http-source';
import type { HttpSourceOptions } from './sources/http/source-options';
import { UndiciSource } from './sources/http/undici-source';
import { patchDrachtioAgent, patchSipPackage, unpatchDrachtioAgent, unpatchSipPackage } from './sources/sip/library-taps';
import type { AgentClass, SipModule } from './sources/sip/library-taps';
import { SipSources } from './sources/sip/sip-sources';
import { createCallStoreFromConfig } from './store/create-from-config';
import { OperationMetrics } from './telemetry/operation-metrics';
import type { WhatsAppCallingInstrumentationConfig } from './types';
import { callbackDataWithTraceContext } from './webhooks/callback-trace-context';
import { expressMiddleware, fastifyPreHandler } from './webhooks/middleware';
import type { WebhookObserver } from './webhooks/middleware';
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
  declare private _calls: CallPath | undefined;
  declare private _router: EventRouter | undefined;
  declare private _sip: SipSources | undefined;

  constructor(config: WhatsAppCallingInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  /**
   * HTTP is observed without patching (channels and a prototype tap); only the SIP libraries are
   * patched when they are loaded: `sip` and `drachtio-srf`'s agent.
   */
  protected override init(): InstrumentationNodeModuleDefinition[] {
    const deps = () => this.sipSources.libraryDeps;
    return [
      new InstrumentationNodeModuleDefinition(
        'sip',
        ['>=0.0.6 <1'],
        (mod: SipModule) => patchSipPackage(mod, deps()),
        (mod: SipModule) => unpatchSipPackage(mod),
      ),
      new InstrumentationNodeModuleDefinition('drachtio-srf', ['>=4 <6'], undefined, undefined, [
        new InstrumentationNodeModuleFile(
          'drachtio-srf/lib/drachtio-agent.js',
          ['>=4 <6'],
          (Agent: AgentClass) => patchDrachtioAgent(Agent, deps()),
          (Agent: AgentClass) => unpatchDrachtioAgent(Agent),
        ),
      ]),
    ];
  }

  /** Patches a `sip` module object you loaded yourself (e.g. before the SDK started, or from ESM). */
  patchSipModule<T>(sipModule: T): T {
    return patchSipPackage(sipModule as never, this.sipSources.libraryDeps) as T;
  }

  /** Patches drachtio-srf's `DrachtioAgent` class (`require('drachtio-srf/lib/drachtio-agent')`) yourself. */
  patchDrachtioAgent<T>(agentClass: T): T {
    return patchDrachtioAgent(agentClass as never, this.sipSources.libraryDeps) as T;
  }

  override setConfig(config: WhatsAppCallingInstrumentationConfig = {}): void {
    super.setConfig(config);
    const urls = config.graphApiBaseUrls ?? DEFAULT_GRAPH_API_BASE_URLS;
    this._bases = parseGraphBases(urls, (url) => this._diag.warn(`ignoring invalid graphApiBaseUrls entry: ${url}`));
  }

  protected override _updateMetricInstruments(): void {
    this._operationMetrics = new OperationMetrics(this.meter);
    this._calls?.updateMeter(this.meter);
    this._sip?.updateMeter(this.meter);
  }

  override enable(): void {
    super.enable();
    for (const source of this.sources()) source.enable();
    // A shared store connects now, so the first calls don't wait for (and time out on) its connection.
    if (this.getConfig().redis || this.getConfig().callStore) void this.callPath;
  }

  override disable(): void {
    super.disable();
    for (const source of this._sources ?? []) source.disable();
  }

  /**
   * Observes a `calls` (or `messages`) webhook delivery: the parsed JSON body, or its raw text/Buffer.
   * Never throws and never changes the body. Prefer the ready middleware below where it fits.
   */
  observeWebhook(body: unknown, _options: { headers?: Record<string, unknown> } = {}): void {
    this.router.webhook(body);
  }

  /** Express/Connect middleware that observes webhook deliveries on the route it is mounted on. */
  expressWebhookMiddleware(): ReturnType<typeof expressMiddleware> {
    return expressMiddleware(this.webhookObserver());
  }

  /** Fastify `preHandler` hook that observes webhook deliveries: `{ preHandler: inst.fastifyWebhookHook() }`. */
  fastifyWebhookHook(): ReturnType<typeof fastifyPreHandler> {
    return fastifyPreHandler(this.webhookObserver());
  }

  /**
   * The value to send as `biz_opaque_callback_data` so webhooks of this call carry the active trace:
   * your own value unchanged if you have one, else the W3C `traceparent` of the active span.
   */
  callbackDataWithTraceContext(existing?: string): string | undefined {
    return callbackDataWithTraceContext(existing);
  }

  /**
   * Reports every call that has ended now, without waiting for its settle delay (late webhooks of those
   * calls are then ignored). Call it before shutting the SDK down so no ended call is lost. With
   * `endLive`, live calls are ended too, with status `unknown` — only for a single instance: with a
   * shared store, other instances may still be following them.
   */
  flushCalls(options: { endLive?: boolean } = {}): void {
    try {
      this._calls?.tracker.flush(options.endLive === true);
    } catch (err) {
      this._diag.error('failed to flush calls', err);
    }
  }

  /** The SIP sources and their transaction tracker: feed it observations from any SIP source (and tests). */
  get sipSources(): SipSources {
    this._sip ??= new SipSources({
      config: () => this.getConfig(),
      isEnabled: () => this.isEnabled(),
      emit: (event) => this.router.sipOperation(event),
      diag: this._diag,
      meter: () => this.meter,
    });
    return this._sip;
  }

  /** The call path: tracker, store and call telemetry (for tests, benchmarks and shutdown). */
  get callPath(): CallPath {
    this._calls ??= new CallPath({
      tracer: () => this.tracer,
      meter: () => this.meter,
      operationMetrics: () => this._operationMetrics,
      config: () => this.getConfig(),
      diag: this._diag,
      sharedStore: createCallStoreFromConfig(this.getConfig().redis, this._diag),
    });
    return this._calls;
  }

  private get router(): EventRouter {
    this._router ??= new EventRouter({
      tracer: () => this.tracer,
      metrics: () => this._operationMetrics,
      config: () => this.getConfig(),
      calls: () => this.callPath,
      isEnabled: () => this.isEnabled(),
      diag: this._diag,
    });
    return this._router;
  }

  private webhookObserver(): WebhookObserver {
    return { observe: (body) => this.router.webhook(body) };
  }

  private sources(): Source[] {
    if (!this._sources) {
      const options: HttpSourceOptions = {
        bases: () => this._bases,
        maxBodyBytes: () => this.getConfig().maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
        injectTraceContext: () => this.getConfig().traceContextInCallbackData === true,
        allResponseHeaders: () => this.getConfig().responseHook !== undefined,
        emit: (event) => this.router.graphOperation(event),
        onError: (where, err) => this._diag.error(`internal error in ${where}`, err),
      };
      this._sources = [new UndiciSource(options), new NodeHttpSource(options), this.sipSources.socketTap, this.sipSources.hepSource];
    }
    return this._sources;
  }
}
