// Memory per tracked call: 100k concurrent calls (a connect each, with a live call span from a real
// SDK tracer) held by the call tracker. Target from issue 5: under 100 MiB. Run with --expose-gc.
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { WhatsAppCallingInstrumentation } = require('../build/src/index.js');

const CALLS = Number(process.env.CALLS ?? 100_000);
const gc = globalThis.gc ?? (() => {});
const inst = new WhatsAppCallingInstrumentation({ callTtlMs: 3_600_000 });
inst.setTracerProvider(new BasicTracerProvider());
inst.setMeterProvider(new MeterProvider());
const lifecycle = inst.callLifecycle;

gc(); gc();
const before = process.memoryUsage().heapUsed;
const t0 = Date.now();
for (let i = 0; i < CALLS; i++) {
  lifecycle.observeSignal({
    callId: `wacid.HBgLMTIxODU1NTI4MjgVAgARGCAyODRQIAFRoA${i}`,
    type: 'connect', source: 'webhook', signaling: 'graph_api', at: t0 + i, dedupeKey: `wh|connect|${t0 + i}`,
    phoneNumberId: String(106540352242922 + (i % 10)), direction: 'user_initiated', consumer: `1408555${String(i).padStart(7, '0')}`,
  });
}
gc(); gc();
const used = process.memoryUsage().heapUsed - before;
console.log(`call tracker: ${lifecycle.tracker.liveCount} live calls, ${(used / 1024 / 1024).toFixed(1)} MiB heap, ${(used / CALLS).toFixed(0)} bytes per call (target < 100 MiB for 100k)`);
lifecycle.stop();
