/**
 * `node --import opentelemetry-instrumentation-whatsapp-calling/register app.js`
 *
 * Starts the OpenTelemetry Node SDK, configured by the standard `OTEL_*` variables (exporters,
 * endpoint, service name, sampler …), with this instrumentation and instrumentation-undici, so the
 * HTTP spans of fetch/undici sit in the same traces (`OTEL_NODE_DISABLED_INSTRUMENTATIONS=undici`
 * leaves it out). No signal handlers are installed — they would change how the app exits; the SDK is
 * flushed when the event loop empties (`beforeExit`); call `shutdown()` of the exported SDK for more.
 */
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { configFromEnv, undiciCompanionEnabled } from './config-from-env';
import { WhatsAppCallingInstrumentation } from './instrumentation';

export const whatsAppCallingInstrumentation = new WhatsAppCallingInstrumentation(configFromEnv());
const instrumentations = undiciCompanionEnabled()
  ? [whatsAppCallingInstrumentation, new UndiciInstrumentation()]
  : [whatsAppCallingInstrumentation];

export const sdk = new NodeSDK({ instrumentations });
sdk.start();
process.once('beforeExit', () => {
  sdk.shutdown().catch(() => undefined);
});
