// CPU time of this process per operation, in interleaved rounds: every round runs every variant
// (rotating their order, so no variant always runs first or last), each for the same number of
// operations. A variant's figure is the median, over cycles of rounds (one cycle gives every variant
// every position once, so a cost that depends on the position — the GC of the segment before, say —
// averages out), of its mean difference with the baseline variant in the same rounds. CPU time (user + system of this process) and not wall time: on shared
// machines wall time mostly measures the neighbours.

/** µs of CPU (user + system) this process has used so far. */
export const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * variants: [{ name, enable?(), disable?(), op: () => Promise|void }]; the first is the baseline.
 * Returns { perOp: { name: [µs per op, one per round] }, diff(name, base?) → median paired difference,
 * ratio(name, base?) → median paired ratio }.
 */
export async function cpuRounds({ variants, rounds, opsPerRound, warmupOps = Math.min(200, opsPerRound), warmupRounds = 2, batch = 1, maxMs = 120_000 }) {
  const perOp = Object.fromEntries(variants.map((v) => [v.name, []]));
  const runOps = async (v, n) => {
    for (let i = 0; i < n; i++) {
      const r = v.op(i);
      if (r && typeof r.then === 'function') await r;
    }
  };
  for (let r = 0; r < warmupRounds; r++) {
    for (const v of variants) {
      v.enable?.();
      await runOps(v, warmupOps);
      v.disable?.();
    }
  }
  const started = Date.now();
  for (let round = 0; round < rounds && Date.now() - started < maxMs; round++) {
    const order = variants.map((_, i) => variants[(i + round) % variants.length]);
    for (const v of order) {
      v.enable?.();
      const c0 = cpuMicros();
      await runOps(v, opsPerRound);
      const used = cpuMicros() - c0;
      v.disable?.();
      perOp[v.name].push(used / (opsPerRound * batch));
    }
  }
  const base = variants[0].name;
  const cycle = variants.length;
  const paired = (name, b, f) => {
    const perRound = perOp[name].map((x, i) => f(x, perOp[b][i]));
    const cycles = [];
    for (let i = 0; i + cycle <= perRound.length; i += cycle) cycles.push(perRound.slice(i, i + cycle).reduce((s, v) => s + v, 0) / cycle);
    return median(cycles.length ? cycles : perRound);
  };
  return {
    perOp,
    rounds: perOp[base].length,
    median: (name) => median(perOp[name]),
    diff: (name, b = base) => paired(name, b, (x, y) => x - y),
    ratio: (name, b = base) => paired(name, b, (x, y) => x / y),
  };
}
