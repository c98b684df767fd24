// Interleaved rounds across processes: each variant runs in its own child process with its
// instrumentation enabled for the whole run (no enable/disable churn between rounds: switching an
// instrumentation on and off inside one process re-patches modules and changes the shapes of
// undici's objects, which made every variant look costlier in a way no application ever sees).
// The parent tells one child at a time to run a batch and report its CPU per operation (user +
// system of that process), rotating the order every round; nothing else runs in the children
// meanwhile, so rounds pair up like in-process rounds.
import { fork } from 'node:child_process';
import { median } from './cpu-rounds.mjs';

/**
 * children: [{ name, args }] forked from `script`, which must call serveLockstep(op).
 * Returns { perOp: { name: [µs per op per round] }, pairs: { name: [{ off, on }] } (paired children),
 * rounds, info: { name: what the child's info() gave } }.
 */
export async function lockstepRounds({ script, children, rounds, opsPerRound, warmupOps = 300, maxMs = 150_000 }) {
  const procs = children.map(({ name, args }) => ({ name, child: fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }) }));
  const killAll = () =>
    procs.forEach(({ child }) => {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    });
  process.once('exit', killAll);
  const reply = (p) =>
    new Promise((resolve, reject) => {
      const onExit = (code) => reject(new Error(`${p.name} exited (${code})`));
      p.child.once('exit', onExit);
      p.child.once('message', (m) => {
        p.child.off('exit', onExit);
        if (m.error) reject(new Error(`${p.name}: ${m.error}`));
        else resolve(m);
      });
    });
  try {
    await Promise.all(procs.map(reply)); // ready
    for (const p of procs) {
      p.child.send({ ops: warmupOps });
      await reply(p);
    }
    const perOp = Object.fromEntries(procs.map((p) => [p.name, []]));
    const pairs = {};
    const started = Date.now();
    for (let r = 0; r < rounds && Date.now() - started < maxMs; r++) {
      for (let k = 0; k < procs.length; k++) {
        const p = procs[(k + r) % procs.length];
        p.child.send({ ops: opsPerRound });
        const m = await reply(p);
        perOp[p.name].push(m.cpuPerOp);
        if (m.pair) (pairs[p.name] ??= []).push(m.pair);
      }
    }
    const info = {};
    for (const p of procs) {
      p.child.send({ info: true });
      info[p.name] = (await reply(p)).info;
    }
    return { perOp, pairs, rounds: perOp[procs[0].name].length, info };
  } finally {
    procs.forEach(({ child }) => child.connected && child.disconnect());
    await Promise.all(
      procs.map(({ child }) =>
        child.exitCode === null
          ? new Promise((r) => {
              child.once('exit', r);
              setTimeout(() => {
                try {
                  process.kill(child.pid, 'SIGKILL');
                } catch {
                  /* gone */
                }
              }, 3000).unref();
            })
          : undefined,
      ),
    );
    process.off('exit', killAll);
  }
}

/**
 * In a child: runs `op(i)` batches on request and reports µs of CPU per op; `info()` at the end.
 * With `paired` ({ on(), off() }): each batch is two halves, the feature off and on (in alternating
 * order), reported as `pair: { off, on }` — for a feature that can be switched without side effects
 * (the floor's extra work), measured inside one process, free of process-to-process differences.
 */
export function serveLockstep(op, info = () => ({}), paired = undefined) {
  let i = 0;
  let batches = 0;
  const run = async (n) => {
    const c0 = process.cpuUsage();
    for (let k = 0; k < n; k++) await op(i++);
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / n;
  };
  process.on('message', async (m) => {
    try {
      if (m.info) return process.send({ info: await info() });
      if (!paired) return process.send({ cpuPerOp: await run(m.ops) });
      const half = Math.max(1, m.ops >> 1);
      const pair = {};
      for (const state of batches++ % 2 ? ['on', 'off'] : ['off', 'on']) {
        paired[state]();
        pair[state] = await run(half);
      }
      paired.off();
      process.send({ cpuPerOp: (pair.on + pair.off) / 2, pair });
    } catch (err) {
      process.send({ error: String(err?.stack ?? err) });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: true });
}

/** Per round: the mean of the named baselines; then median over rounds of variant − baseline. */
export function pairedDiff(perOp, name, baselines) {
  const base = perOp[baselines[0]].map((_, r) => baselines.reduce((s, b) => s + perOp[b][r], 0) / baselines.length);
  return median(perOp[name].map((x, r) => x - base[r]));
}
