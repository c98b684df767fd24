// An ES module app traced by the OpenTelemetry Node SDK. The WhatsApp instrumentation is one line: the
// `new WhatsAppCallingInstrumentation(…)` in `instrumentations`. The rest is the app: it places one
// business-initiated call with fetch and prints the call ID Meta gave it.
//
//   OTEL_SERVICE_NAME=contact-centre WHATSAPP_ACCESS_TOKEN=… WHATSAPP_PHONE_NUMBER_ID=… CALL_TO=… node app.mjs
//
// GRAPH_API_BASE_URL points it at another Graph origin (the repo's sandbox, a proxy); the exporter is
// configured by the standard OTEL_* variables (default: OTLP/HTTP protobuf to localhost:4318).
// No --import hook is needed: the instrumentation observes fetch/undici through diagnostics channels.
import { NodeSDK } from '@opentelemetry/sdk-node';
import { WhatsAppCallingInstrumentation } from 'opentelemetry-instrumentation-whatsapp-calling';

const graph = process.env.GRAPH_API_BASE_URL || 'https://graph.facebook.com';

const sdk = new NodeSDK({
  instrumentations: [new WhatsAppCallingInstrumentation({ graphApiBaseUrls: [graph] })],
});
sdk.start();

try {
  const phoneNumberId = process.env.WHATSAPP_PHONE_NUMBER_ID || '106540352242922';
  const res = await fetch(`${graph}/v23.0/${phoneNumberId}/calls`, {
    method: 'POST',
    headers: { authorization: `Bearer ${process.env.WHATSAPP_ACCESS_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      messaging_product: 'whatsapp',
      to: process.env.CALL_TO || '14085551234',
      action: 'connect',
      session: { sdp_type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n' },
    }),
  });
  const body = await res.json();
  if (!res.ok) console.log(`call failed: ${body.error?.code} ${body.error?.message}`);
  else console.log(`placed call ${body.calls[0].id}`);
} finally {
  await sdk.shutdown(); // flushes the spans before the process exits
}
