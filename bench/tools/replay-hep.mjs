// Our own CPU per HEP packet without the socket: the packets of lib/hep-calls.mjs handed to the
// HEP receiver's onPacket in a tight loop, with everything the instrumentation does with them.
// For finding where the time goes: --profile writes a .cpuprofile of the loop.
//   node bench/tools/replay-hep.mjs [--n 70000] [--profile hep.cpuprofile]
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { hepPackets } from '../lib/hep-calls.mjs';
import { startCpuProfile } from '../lib/profiling.mjs';
import { createSdk } from '../lib/sdk.mjs';

const { values: args } = parseArgs({ options: { n: { type: 'string', default: '70000' }, profile: { type: 'string' } } });
const require = createRequire(import.meta.url);
const { WhatsAppCallingInstrumentation } = require('../../build/src/index.js');
const sdk = createSdk();
const ours = sdk.attach(
  new WhatsAppCallingInstrumentation({ sipPeers: [], hep: { port: 0, metaAddresses: ['157.240.1.2:5061'], maxPacketsPerSecond: Infinity }, callSettleMs: 0 }),
);
ours.enable();
const hep = ours.sipSources.hepSource;
await hep.ready();
const n = Number(args.n);
const next = hepPackets();
const packets = Array.from({ length: n + 14_000 }, next);
let i = 0;
for (; i < 14_000; i++) hep.onPacket(packets[i], '127.0.0.1'); // warm-up
const profiler = await startCpuProfile(args.profile);
const c0 = process.cpuUsage();
for (; i < packets.length; i++) hep.onPacket(packets[i], '127.0.0.1');
const c = process.cpuUsage(c0);
console.log(
  `replayed HEP: ${((c.user + c.system) / n).toFixed(2)} µs CPU per packet; accepted ${hep.stats.accepted}, spans ${sdk.spanCount('opentelemetry-instrumentation-whatsapp-calling')}`,
);
await profiler.stop();
ours.disable();
