// Sends HEPv3-over-UDP copies of SIP calls (lib/hep-calls.mjs) to 127.0.0.1 on request: {port, n} →
// sends n packets in paced bursts (so a receiver on a shared machine keeps up), then replies.
import * as dgram from 'node:dgram';
import { hepPackets } from './hep-calls.mjs';

const socket = dgram.createSocket('udp4');
const next = hepPackets();
process.on('message', async ({ port, n }) => {
  for (let sent = 0; sent < n;) {
    const burst = Math.min(16, n - sent);
    for (let i = 0; i < burst; i++) socket.send(next(), port, '127.0.0.1');
    sent += burst;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  process.send({ sent: n });
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
