// The profilers the bench tools use, through the inspector in-process (what `node --cpu-prof` records,
// but started after a warm-up, so module loading and JIT stay out of it).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/** Starts V8's sampling CPU profiler; `stop()` writes the .cpuprofile to `out`. With no `out`, does nothing. */
export async function startCpuProfile(out, intervalUs = 50) {
  if (!out) return { stop: async () => {} };
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(out, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/**
 * Bytes allocated per op by function while `run()` does `ops` operations (V8's sampling heap profiler,
 * garbage included: what the GC's share of the CPU time comes from). Prints the total and the `top`.
 */
export async function printAllocations(run, ops, top, unit = 'op') {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  await run();
  const { profile } = await session.post('HeapProfiler.stopSampling');
  session.disconnect();
  const bytes = new Map();
  const walk = (node) => {
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(build\/src|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
    if (node.selfSize) bytes.set(key, (bytes.get(key) ?? 0) + node.selfSize);
    for (const c of node.children ?? []) walk(c);
  };
  walk(profile.head);
  const total = [...bytes.values()].reduce((a, b) => a + b, 0);
  console.log(`allocated ≈ ${(total / ops).toFixed(0)} bytes per ${unit}; top functions:`);
  for (const [k, v] of [...bytes].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${(v / ops).toFixed(0).padStart(7)} B  ${k}`);
}
