#!/usr/bin/env node
/**
 * `whatsapp-calling-hep-sidecar`: a collector process beside an SBC. Receives the SBC's HEPv3 copies
 * of SIP traffic and exports WhatsApp SIP spans and metrics through the OpenTelemetry Node SDK,
 * configured by the standard `OTEL_*` variables and `OTEL_WHATSAPP_HEP_*` (port default 9060; host
 * default 127.0.0.1 — set `OTEL_WHATSAPP_HEP_HOST` for an SBC on another host). Meta's side comes
 * from `OTEL_WHATSAPP_SIP_PEERS` (default `wa.meta.vc:5061`, resolved through DNS) and
 * `OTEL_WHATSAPP_HEP_META_ADDRESSES`. Unlike the in-app register entry, this is its own process: it
 * handles SIGTERM/SIGINT by flushing.
 */
import { configFromEnv } from './config-from-env';
import { WhatsAppCallingInstrumentation } from './instrumentation';
import { SDK_NODE, exitIfPeersMissing, loadPeer } from './optional-peers';

// The SDK is an optional peer dependency: say what to install rather than fail to resolve it.
exitIfPeersMissing('whatsapp-calling-hep-sidecar', [SDK_NODE]);
const { NodeSDK } = loadPeer(SDK_NODE);
const config = configFromEnv({ OTEL_WHATSAPP_HEP_PORT: '9060', ...process.env });
const instrumentation = new WhatsAppCallingInstrumentation(config);
const sdk = new NodeSDK({ instrumentations: [instrumentation] });
sdk.start();
const keepAlive = setInterval(() => undefined, 1 << 30);

void instrumentation.sipSources.hepReady().then(() => {
  const a = instrumentation.sipSources.hepReceiver.addresses();
  if (a.udp !== undefined) process.stdout.write(`whatsapp-calling-hep-sidecar listening on ${a.host} udp/${a.udp} tcp/${a.tcp}\n`);
  else {
    clearInterval(keepAlive);
    process.exitCode = 1;
  }
});

const stop = () => {
  clearInterval(keepAlive);
  instrumentation.disable();
  // process.exit in finally: a failed shutdown still ends the sidecar, so no rejection is left to handle.
  void sdk.shutdown().finally(() => process.exit());
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
