// CPU the client process spends per Graph request, added by ours and by the HTTP instrumentation
// for the client (instrumentation-undici for fetch, instrumentation-http for axios), against the
// same requests with none. The Graph API is the sandbox in a child process. Each variant runs in
// client processes of its own, enabled for the whole run, in lockstep rounds (lib/lockstep.mjs) —
// two processes per variant, since processes differ by themselves (printed as A/A).
// The floor (lib/graph-fixtures.mjs) is a few µs of CPU: whole requests on a shared machine vary by
// tens, so it is measured without the network, in this process (lib/graph-replay.mjs), beside ours
// measured the same way — like against like for the "≤ 3× floor" budget (the floor's work amid the
// exchanges, as ours is; alone in a loop it costs a fraction, printed too).
// Also the cost on requests to other hosts, measured without the network (lib/other-host-cost.mjs).
//   node bench/http-overhead.bench.mjs [--clients fetch,axios] [--rounds 150] [--ops 4] [--build DIR]
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './lib/cpu-rounds.mjs';
import { measureReplay } from './lib/graph-replay.mjs';
import { lockstepRounds, pairedDiff } from './lib/lockstep.mjs';
import { measureOtherHostCost } from './lib/other-host-cost.mjs';
import { row, us, verdict } from './lib/rows.mjs';
import { startSandboxChild } from './lib/sandbox-child.mjs';
import { createSdk } from './lib/sdk.mjs';

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: 'fetch,axios' },
    rounds: { type: 'string', default: '150' },
    ops: { type: 'string', default: '4' },
    build: { type: 'string', default: '../..' },
  },
});
const script = fileURLToPath(new URL('./lib/http-client-child.mjs', import.meta.url));
const sign = (x, digits = 1) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;
const sdk = createSdk(); // for the measurements without the network, in this process
const sandbox = await startSandboxChild();
try {
  for (const client of args.clients.split(',')) {
    const httpInst = client === 'fetch' ? 'instrumentation-undici' : 'instrumentation-http';
    const label = client === 'fetch' ? 'fetch' : 'axios/node:http';
    const variants = { bare: ['bare', 'bare-2'], [httpInst]: [httpInst, `${httpInst}-2`], ours: ['ours', 'ours-2'] };
    const names = Object.values(variants).flat();
    const run = await lockstepRounds({
      script,
      children: names.map((name) => ({ name, args: [sandbox.url, client, name.replace(/-2$/, ''), args.build] })),
      rounds: Number(args.rounds),
      opsPerRound: Number(args.ops),
    });
    // Per round: a variant's processes averaged, minus the bare ones averaged; median over rounds.
    const mean = (list) => run.perOp[list[0]].map((_, r) => list.reduce((s, n) => s + run.perOp[n][r], 0) / list.length);
    const bare = mean(variants.bare);
    const d = (list) => median(mean(list).map((x, r) => x - bare[r]));
    const aa = pairedDiff(run.perOp, 'bare-2', ['bare']);
    const bareCost = median(bare);
    const [o, h] = [d(variants.ours), d(variants[httpInst])];
    const replay = await measureReplay(client, sdk, args.build);
    console.log(
      `${label}: ${run.rounds} lockstep rounds × ${args.ops} connects per process; bare request ${us(bareCost)} CPU; ` +
        `A/A: bare vs bare ${sign(aa)} µs, ours vs ours ${sign(pairedDiff(run.perOp, 'ours-2', ['ours']))} µs`,
    );
    console.log(
      `  in requests: ${httpInst} ${sign(h)} µs, ours ${sign(o)} µs; spans ${JSON.stringify(Object.fromEntries(names.map((n) => [n, run.info[n].spans])))}`,
    );
    console.log(
      `  without the network: ours ${sign(replay.ours)} µs, floor ${sign(replay.floor)} µs on a ${us(replay.bare)} exchange (A/A ${sign(replay.aa)} µs); the floor's work in a loop of its own ${us(replay.floorAlone)}`,
    );
    row({
      what: `CPU added to a Graph request over ${label}`,
      budget: `≤ 0.5× ${httpInst}, ≤ 3× floor`,
      measured: `${us(o)} in requests = ${(o / h).toFixed(2)}× ${httpInst.replace('instrumentation-', '')}; without the network ${us(replay.ours)} = ${(replay.ours / replay.floor).toFixed(1)}× floor`,
      baseline: `${httpInst} ${us(h)} (bare request ${us(bareCost)}, A/A ${sign(aa)}); floor ${us(replay.floor)}`,
      verdict: verdict(o <= 0.5 * h && replay.ours <= 3 * replay.floor),
    });
    // ≤ 1 µs is far below what whole requests can resolve here (see A/A): the work ours adds to
    // another host's request is measured without the network (lib/other-host-cost.mjs).
    const direct = await measureOtherHostCost(client, args.build);
    console.log(`  other hosts, without the network: ours ${sign(direct.cost, 2)} µs on a ${us(direct.bare)} request (bare vs bare ${sign(direct.aa, 2)} µs)`);
    row({
      what: `cost on requests to other hosts (${label})`,
      budget: '≤ 1 µs CPU per request',
      measured: `${sign(direct.cost, 2)} µs (bare vs bare ${sign(direct.aa, 2)})`,
      baseline: `the same request without ours, no network: ${us(direct.bare)}`,
      verdict: verdict(direct.cost <= 1),
    });
  }
} finally {
  await sandbox.close();
}
