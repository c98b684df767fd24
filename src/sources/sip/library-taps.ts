/**
 * Sources 2 and 3: SIP libraries. They parse SIP into their own objects, so each tap turns what the
 * library sent or received back into bytes and hands them on with who sent them and to whom.
 * - `sip` (npm, kirm): `create(options, cb)` is wrapped to add a logger to the options (chained to the
 *   app's own), which sees every message sent and received — including responses its callbacks hide.
 * - `drachtio-srf`: `DrachtioAgent.prototype._onMsg` receives every frame from drachtio-server: SIP
 *   the server received from the network and SIP it sent for the app ('application' source).
 * Only messages to or from Meta (MetaPeers decides) are passed on.
 */
import type { SipObservation } from '../../sip/tracking/sip-observation';
import { parseSipMessage } from '../../sip/wire';

export interface LibraryTapDeps {
  /**
   * Is this address Meta's side? `requestHost` (the Request-URI host of a request the business
   * sends, e.g. `wa.meta.vc`) lets a name peer match when the library already resolved it to an IP.
   */
  isMetaPeer(address: string | undefined, port: number | undefined, requestHost?: string): boolean;
  /** The app starts a SIP stack: Meta's addresses will be needed (starts resolving `sipPeers` names). */
  activate?(): void;
  observe(o: SipObservation): void;
  onError(where: string, err: unknown): void;
}

const kPatched = Symbol.for('opentelemetry-instrumentation-whatsapp-calling.patched');

type SipTarget = { protocol?: string; address?: string; port?: number };
/** The `sip` package's exports, as far as the tap uses them. */
export type SipModule = { create: (options: Record<string, unknown>, cb: unknown) => unknown; stringify: (m: unknown) => string; [kPatched]?: unknown };

function transportOf(protocol: string | undefined): 'tls' | 'tcp' | 'udp' {
  const p = (protocol ?? '').toLowerCase();
  return p === 'tls' || p === 'wss' ? 'tls' : p === 'tcp' || p === 'ws' ? 'tcp' : 'udp';
}

function emit(deps: LibraryTapDeps, raw: string | undefined, fromBusiness: boolean, peer: SipTarget, source: SipObservation['source']): void {
  if (!raw) return;
  const message = parseSipMessage(Buffer.from(raw, 'utf8'));
  if (!message) return;
  const requestHost = fromBusiness && message.kind === 'request' ? /@([^;>:\s]+)/.exec(message.requestUri)?.[1] : undefined;
  if (!deps.isMetaPeer(peer.address, peer.port, requestHost)) return;
  deps.observe({ message, fromBusiness, at: Date.now(), source, transport: transportOf(peer.protocol), peerAddress: peer.address, peerPort: peer.port });
}

/** Wraps `create` of the `sip` package's exports (what `start` calls); `unpatchSipPackage` undoes it. */
export function patchSipPackage(mod: SipModule, deps: LibraryTapDeps): SipModule {
  if (!mod || typeof mod.create !== 'function' || mod[kPatched]) return mod;
  const original = mod.create;
  const create = function (this: unknown, options: Record<string, unknown> = {}, cb: unknown) {
    try {
      deps.activate?.();
    } catch (err) {
      deps.onError('sip package tap', err);
    }
    const userLogger = (options.logger ?? {}) as { send?: (m: unknown, t: unknown) => void; recv?: (m: unknown, r: unknown) => void };
    const stringify = (m: unknown) => {
      try {
        return mod.stringify(m);
      } catch {
        return undefined;
      }
    };
    // The same tap for both directions, then the app's own logger function, if any.
    const tap = (fn: 'send' | 'recv', fromBusiness: boolean) => (m: unknown, peer: SipTarget) => {
      try {
        emit(deps, stringify(m), fromBusiness, peer ?? {}, 'sip_npm');
      } catch (err) {
        deps.onError('sip package tap', err);
      }
      userLogger[fn]?.(m, peer);
    };
    const logger = { ...userLogger, send: tap('send', true), recv: tap('recv', false) };
    return original.call(this, { ...options, logger }, cb);
  };
  Object.defineProperty(create, kPatched, { value: original });
  mod.create = create;
  mod[kPatched] = true;
  return mod;
}

export function unpatchSipPackage(mod: SipModule): void {
  const original = (mod?.create as unknown as Record<symbol, unknown>)?.[kPatched];
  if (typeof original === 'function') {
    mod.create = original as SipModule['create'];
    delete mod[kPatched];
  }
}

/** drachtio-srf's `DrachtioAgent` class, as far as the tap uses it. */
export type AgentClass = { prototype: { _onMsg?: (socket: unknown, msg: string) => unknown } & Record<symbol, unknown> };

/** Wraps `_onMsg` of drachtio-srf's DrachtioAgent; observes before the agent handles the frame. */
export function patchDrachtioAgent(Agent: AgentClass, deps: LibraryTapDeps): AgentClass {
  const proto = Agent?.prototype;
  if (!proto || typeof proto._onMsg !== 'function' || proto[kPatched]) return Agent;
  const original = proto._onMsg;
  proto[kPatched] = original;
  proto._onMsg = function (this: unknown, socket: unknown, msg: string) {
    try {
      observeDrachtioFrame(msg, deps);
    } catch (err) {
      deps.onError('drachtio tap', err);
    }
    return original.call(this, socket, msg);
  };
  return Agent;
}

export function unpatchDrachtioAgent(Agent: AgentClass): void {
  const original = Agent?.prototype?.[kPatched];
  if (typeof original === 'function') {
    Agent.prototype._onMsg = original as AgentClass['prototype']['_onMsg'];
    delete Agent.prototype[kPatched];
  }
}

/**
 * drachtio-server frames: `id|sip|source|len|protocol|address|port|time|txn|dialog…\r\n<SIP>` and, for
 * messages the app asked it to send, `id|response|rid|OK|source|len|protocol|address|port|…\r\n<SIP>`.
 * `source` is `network` (received from the peer) or `application` (sent for the app).
 */
export function observeDrachtioFrame(frame: string, deps: LibraryTapDeps): void {
  if (typeof frame !== 'string') return;
  const pos = frame.indexOf('\r\n');
  if (pos === -1) return;
  const t = frame.slice(0, pos).split('|');
  const at = t[1] === 'sip' ? 2 : t[1] === 'response' ? 4 : -1;
  if (at === -1) return;
  const source = t[at];
  if (source !== 'network' && source !== 'application') return;
  const peer = { protocol: t[at + 2], address: t[at + 3], port: Number(t[at + 4]) };
  emit(deps, frame.slice(pos + 2), source === 'application', peer, 'drachtio');
}
