// Memory per tracked call: 100k concurrent calls (a connect webhook each) held by the call path.
// Target from issue 5: 100k tracked calls under 100 MiB; issue 10: ≤ 1 KiB per call with its call
// span recorded. The call span is recorded when the call ends, so a live call holds no SDK span: the
// figure is the same whether call spans are sampled or not (both are reported to show it).
// Run with --expose-gc (bench/run.mjs does).
import { BasicTracerProvider, AlwaysOffSampler } from '@opentelemetry/sdk-trace-base';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { createRequire } from 'node:module';
import { row, verdict } from './lib/rows.mjs';

const require = createRequire(import.meta.url);
const { WhatsAppCallingInstrumentation } = require('../build/src/index.js');

const CALLS = Number(process.env.CALLS ?? 100_000);
const gc = globalThis.gc ?? (() => {});

function measure(label, tracerProvider) {
  const inst = new WhatsAppCallingInstrumentation({ callTtlMs: 3_600_000 });
  inst.setTracerProvider(tracerProvider);
  inst.setMeterProvider(new MeterProvider());
  const calls = inst.callPath;
  const ids = Array.from({ length: CALLS }, (_, i) => `wacid.HBgLMTIxODU1NTI4MjgVAgARGCAyODRQIAFRoA${i}`);
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const t0 = Date.now();
  for (let i = 0; i < CALLS; i++) {
    calls.ingest({
      calls: [
        {
          callId: ids[i],
          type: 'connect',
          source: 'webhook',
          signaling: 'graph_api',
          at: t0 + i,
          dedupeKey: `wh|connect|${t0 + i}`,
          phoneNumberId: String(106540352242922 + (i % 10)),
          direction: 'user_initiated',
          consumer: `1408555${String(i).padStart(7, '0')}`,
        },
      ],
    });
  }
  gc();
  gc();
  const used = process.memoryUsage().heapUsed - before;
  console.log(
    `call tracker (${label}): ${calls.tracker.liveCount} live calls, ${(used / 1024 / 1024).toFixed(1)} MiB, ${(used / CALLS).toFixed(0)} bytes/call (target: 100k under 100 MiB)`,
  );
  calls.tracker.flush(true);
  calls.stop();
  return used / CALLS;
}

measure('call spans not sampled', new BasicTracerProvider({ sampler: new AlwaysOffSampler() }));
const perCall = measure('call spans recorded', new BasicTracerProvider());
row({
  what: 'memory per tracked call, call span recorded',
  budget: '≤ 1 KiB',
  measured: `${perCall.toFixed(0)} bytes`,
  baseline: `${CALLS / 1000}k live calls: ${((perCall * CALLS) / 1024 / 1024).toFixed(1)} MiB (issue 5: 100k under 100 MiB)`,
  verdict: verdict(perCall <= 1024),
});
