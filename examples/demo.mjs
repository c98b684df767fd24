// Demo: a contact-centre backend placing and answering WhatsApp calls against the loopback Cloud API
// sandbox, traced by the OpenTelemetry Node SDK with this instrumentation. Prints the spans and the
// Prometheus text of the metrics. Run with `npm run demo`.
import { NodeSDK } from '@opentelemetry/sdk-node';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { trace } from '@opentelemetry/api';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { WhatsAppCallingInstrumentation } = require('../build/src/index.js');
const { startSandbox } = require('../build/sandbox/index.js');

const sandbox = await startSandbox({ concurrentCallLimit: 2 });
const spans = new InMemorySpanExporter();
const prometheus = new PrometheusExporter({ port: 0, host: '127.0.0.1', preventServerStart: true });
const sdk = new NodeSDK({
  serviceName: 'demo-contact-centre',
  spanProcessors: [new SimpleSpanProcessor(spans)],
  metricReaders: [prometheus],
  instrumentations: [new WhatsAppCallingInstrumentation({ graphApiBaseUrls: [sandbox.url], concurrentCallLimit: 2 })],
});
sdk.start();

const phone = '106540352242922';
const graph = (path, body) =>
  fetch(`${sandbox.url}/v23.0/${phone}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { authorization: 'Bearer demo-token', 'content-type': 'application/json' },
    body: body && JSON.stringify({ messaging_product: 'whatsapp', ...body }),
  }).then((r) => r.json());
const sdp = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';

await trace.getTracer('demo').startActiveSpan('handle customer callback', async (root) => {
  const placed = await graph('/calls', { action: 'connect', to: '14085551234', session: { sdp_type: 'offer', sdp } });
  await graph('/call_permissions?user_wa_id=14085551234');
  await graph('/calls', { action: 'connect', to: '15550138006', session: { sdp_type: 'offer', sdp } }); // no permission
  await graph('/calls', { action: 'connect', to: '14085550002', session: { sdp_type: 'offer', sdp } });
  await graph('/calls', { action: 'connect', to: '14085550003', session: { sdp_type: 'offer', sdp } }); // over the limit of 2
  await graph('/calls', { action: 'terminate', call_id: placed.calls[0].id });
  root.end();
});

console.log('\nSpans (name, status, key attributes):');
for (const s of spans.getFinishedSpans().filter((s) => s.name.startsWith('whatsapp '))) {
  const a = s.attributes;
  console.log(
    `  ${s.name.padEnd(28)} ${s.status.code === 2 ? 'ERROR' : 'OK   '} call=${a['whatsapp.call.id'] ?? '-'} ` +
      `request_id=${a['whatsapp.request.id'] ?? '-'} fbtrace=${a['whatsapp.fbtrace_id'] ?? '-'}` +
      (a['whatsapp.error.code'] ? ` error=${a['whatsapp.error.code']}/${a['whatsapp.error.category']}` : ''),
  );
  for (const e of s.events) console.log(`      ↳ ${e.name}: ${e.attributes?.['whatsapp.error.remedy']}`);
}

const { resourceMetrics } = await prometheus.collect();
const text = new (await import('@opentelemetry/exporter-prometheus')).PrometheusSerializer().serialize(resourceMetrics);
console.log('\nMetrics (Prometheus exposition, WhatsApp series; histogram buckets left out):');
const short = (line) => line.replace(/,?otel_scope_(name|version)="[^"]*"/g, '').replace('{,', '{');
for (const line of text.split('\n')) if (line.startsWith('whatsapp_') && !line.includes('_bucket{')) console.log('  ' + short(line));

await sdk.shutdown();
await sandbox.close();
