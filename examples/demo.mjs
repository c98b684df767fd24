#!/usr/bin/env node
// Demo: a contact centre's business app placing and answering WhatsApp calls against the bundled
// Cloud API sandbox, traced and measured by this instrumentation. Ends with a call-log table built
// from the exported spans and the key metrics. `npm run demo` (builds first), or after a build:
//   node examples/demo.mjs [--calls N] [--rate N] [--serve] [--prometheus-port N] [--no-sip] [--wide]
// OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 also sends traces and metrics over OTLP/HTTP.
import { parseArgs } from 'node:util';
import { DEFAULT_PROMETHEUS_PORT, MAX_CALLS } from './demo/settings.mjs';

const USAGE = `Usage: npm run demo -- [options]
  --calls N            after the scenarios, generate N more calls of steady mixed traffic (0–${MAX_CALLS})
  --rate N             pace that traffic to N calls per second (default: as fast as it goes)
  --serve              keep the app and the Prometheus endpoint up until Ctrl-C (for Prometheus/Grafana)
  --prometheus-port N  port of the Prometheus endpoint (default ${DEFAULT_PROMETHEUS_PORT}, 0 = any free port)
  --no-sip             skip the SIP leg (it runs when sipp is installed)
  --wide               print call and request ids in full
Environment: OTEL_EXPORTER_OTLP_ENDPOINT (also export over OTLP/HTTP), OTEL_SERVICE_NAME,
  DEMO_PROMETHEUS_HOST (default 127.0.0.1; 0.0.0.0 in a container)`;

function intOption(name, value, min, max) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new RangeError(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}

let args;
try {
  const { values } = parseArgs({
    options: {
      calls: { type: 'string' },
      rate: { type: 'string' },
      serve: { type: 'boolean' },
      'prometheus-port': { type: 'string' },
      'no-sip': { type: 'boolean' },
      wide: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  args = {
    calls: intOption('calls', values.calls, 0, MAX_CALLS) ?? 0,
    rate: intOption('rate', values.rate, 1, 100_000),
    prometheusPort: intOption('prometheus-port', values['prometheus-port'], 0, 65535),
    serve: values.serve === true,
    sip: values['no-sip'] ? false : 'auto',
    wide: values.wide === true,
  };
} catch (err) {
  console.error(`${err.message}\n\n${USAGE}`);
  process.exit(2);
}

// Ctrl-C during generated traffic stops it and still prints the report; with --serve it ends serving.
const stop = new AbortController();
let stopServing;
const onSignal = () => {
  if (stopServing) stopServing();
  else if (!stop.signal.aborted) stop.abort();
  else process.exit(130);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  // Loaded after the arguments are checked: a usage error answers at once.
  const { runDemo } = await import('./demo/index.mjs');
  const demo = await runDemo({
    calls: args.calls,
    rate: args.rate,
    prometheusPort: args.prometheusPort,
    sip: args.sip,
    wide: args.wide,
    keepServing: args.serve,
    signal: stop.signal,
    out: process.stdout,
  });
  if (args.serve) {
    console.log(`\nServing ${demo.prometheusUrl} until Ctrl-C …`);
    await new Promise((resolve) => (stopServing = resolve));
  }
  await demo.close();
  process.exitCode = demo.problems.length ? 1 : 0;
} catch (err) {
  console.error(`demo failed: ${err?.stack ?? err}`);
  process.exitCode = 1;
}
// Every server is closed by now; the `sip` package leaves its transaction timers (up to 32 s) running,
// so exit once stdout is written instead of waiting for them.
process.stdout.write('', () => process.exit());
