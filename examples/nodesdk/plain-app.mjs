// An app with no OpenTelemetry code at all. Tracing comes from the command line:
//
//   node --import opentelemetry-instrumentation-whatsapp-calling/register plain-app.mjs
//
// The register entry starts the Node SDK from the standard OTEL_* variables with this instrumentation
// (and instrumentation-undici), and flushes when the event loop empties. OTEL_WHATSAPP_GRAPH_API_BASE_URLS
// tells it about a Graph origin other than graph.facebook.com (the same one as GRAPH_API_BASE_URL here).
const graph = process.env.GRAPH_API_BASE_URL || 'https://graph.facebook.com';
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
