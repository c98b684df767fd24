/**
 * `node --import opentelemetry-instrumentation-whatsapp-calling/register app.js`
 *
 * Starts the OpenTelemetry Node SDK, configured by the standard `OTEL_*` variables (exporters,
 * endpoint, service name, sampler …), with this instrumentation and instrumentation-undici, so the
 * HTTP spans of fetch/undici sit in the same traces (`OTEL_NODE_DISABLED_INSTRUMENTATIONS=undici`
 * leaves it out). Both are optional peer dependencies the app installs; when one is missing this
 * entry prints the `npm install …` command and exits with code 1 before the app runs.
 * No signal handlers are installed — they would change how the app exits; the SDK is flushed when
 * the event loop empties (`beforeExit`); call `shutdown()` of the exported SDK for more.
 */
import { configFromEnv, undiciCompanionEnabled } from './config-from-env';
import { WhatsAppCallingInstrumentation } from './instrumentation';
import { INSTRUMENTATION_UNDICI, SDK_NODE, exitIfPeersMissing, loadPeer } from './optional-peers';

const withUndici = undiciCompanionEnabled();
// Checked before the instrumentation is created, so a failed start has patched nothing.
exitIfPeersMissing('opentelemetry-instrumentation-whatsapp-calling/register', withUndici ? [SDK_NODE, INSTRUMENTATION_UNDICI] : [SDK_NODE]);
const { NodeSDK } = loadPeer(SDK_NODE);

export const whatsAppCallingInstrumentation = new WhatsAppCallingInstrumentation(configFromEnv());
const instrumentations = withUndici
  ? [whatsAppCallingInstrumentation, new (loadPeer(INSTRUMENTATION_UNDICI).UndiciInstrumentation)()]
  : [whatsAppCallingInstrumentation];

export const sdk = new NodeSDK({ instrumentations });
sdk.start();
process.once('beforeExit', () => {
  whatsAppCallingInstrumentation.flushCalls();
  sdk.shutdown().catch(() => undefined);
});
