/**
 * The OpenTelemetry Node SDK and instrumentation-undici are optional peer dependencies: the
 * instrumentation itself needs neither (an app on its own SDK must not carry a second one), only the
 * entries that start an SDK do (`/register`, the HEP sidecar). Those entries load them through here,
 * so a missing package becomes one message naming the `npm install` command instead of a module
 * resolution stack trace from inside the preload.
 */
import type * as SdkNode from '@opentelemetry/sdk-node';
import type * as InstrumentationUndici from '@opentelemetry/instrumentation-undici';

export const SDK_NODE = '@opentelemetry/sdk-node';
export const INSTRUMENTATION_UNDICI = '@opentelemetry/instrumentation-undici';

export interface OptionalPeers {
  [SDK_NODE]: typeof SdkNode;
  [INSTRUMENTATION_UNDICI]: typeof InstrumentationUndici;
}
export type OptionalPeerName = keyof OptionalPeers;

/** Which of `names` cannot be resolved from this package's location (i.e. are not installed). */
export function missingPeers(names: readonly OptionalPeerName[]): OptionalPeerName[] {
  return names.filter((name) => {
    try {
      require.resolve(name);
      return false;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return true;
      throw err;
    }
  });
}

/** SDK 3.x (sdk-node 0.3xx) supports Node 22.15 and newer. */
function nodeRunsSdk3(): boolean {
  const [major, minor] = process.versions.node.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 15);
}

/** The one message an entry prints when peers are missing. */
export function missingPeersMessage(entry: string, missing: readonly OptionalPeerName[]): string {
  const several = missing.length > 1;
  const lines = [
    `${entry}: ${missing.join(' and ')} ${several ? 'are' : 'is'} not installed. This entry starts the OpenTelemetry SDK and needs ${several ? 'them (optional peer dependencies)' : 'it (an optional peer dependency)'}; install with:`,
    `  npm install ${missing.join(' ')}`,
  ];
  if (missing.includes(SDK_NODE) && !nodeRunsSdk3()) {
    // The newest sdk-node (SDK 3) needs Node >= 22.15 and API 1.10; on older Node npm would pick it anyway.
    lines.push(
      `  (on this Node ${process.versions.node}: npm install @opentelemetry/api@1.9 ${missing.map((m) => (m === SDK_NODE ? `${SDK_NODE}@0.223` : m)).join(' ')})`,
    );
  }
  if (missing.includes(INSTRUMENTATION_UNDICI)) {
    lines.push('or set OTEL_NODE_DISABLED_INSTRUMENTATIONS=undici to start without the fetch/undici HTTP spans.');
  }
  return lines.join('\n') + '\n';
}

/**
 * Exits with code 1, after printing {@link missingPeersMessage} to stderr, when any of `names` is not
 * installed; call it before anything is started or patched.
 */
export function exitIfPeersMissing(entry: string, names: readonly OptionalPeerName[]): void {
  const missing = missingPeers(names);
  if (missing.length === 0) return;
  process.stderr.write(missingPeersMessage(entry, missing));
  process.exit(1);
}

/** Loads an optional peer (after {@link exitIfPeersMissing}); a broken install throws as usual. */
export function loadPeer<K extends OptionalPeerName>(name: K): OptionalPeers[K] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional peers are loaded lazily, only by the entry that needs them
  return require(name) as OptionalPeers[K];
}
