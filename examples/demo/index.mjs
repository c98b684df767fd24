/**
 * The demo: a contact centre's business app placing and answering WhatsApp calls against the bundled
 * Cloud API sandbox (Meta's side, sending real signed webhooks), traced and measured by this
 * instrumentation. `runDemo()` runs the named scenarios, the SIP leg (when sipp is installed) and,
 * with `calls`, generated traffic; prints the call log and key metrics; and resolves with the
 * Prometheus URL (kept up until `close()`).
 */
import { createRequire } from 'node:module';
import * as net from 'node:net';
import { startBusinessApp } from './business-app.mjs';
import { CallLogExporter } from './call-log.mjs';
import { createGraphClient } from './graph-client.mjs';
import { ScenarioLabels } from './labels.mjs';
import { createMetaSide } from './meta-side.mjs';
import { summarizeMetrics } from './metrics-summary.mjs';
import { createProgress } from './progress.mjs';
import { printReport } from './report.mjs';
import { runScenarios, runSipScenarios } from './scenario-runner.mjs';
import * as S from './settings.mjs';
import { freeUdpPort, SIP_CALLS, sipUnavailable } from './sip-leg.mjs';
import { startTelemetry } from './telemetry.mjs';
import { runTraffic } from './traffic.mjs';

const require = createRequire(import.meta.url);
const MAX_PROBLEMS = 50;

function loadBuild() {
  try {
    return { ...require('../../build/src/index.js'), ...require('../../build/sandbox/index.js') };
  } catch (err) {
    throw new Error(`the demo runs on the built package: run \`npm run build\` first (\`npm run demo\` does) — ${err.message}`);
  }
}

/** A URL on a loopback port nothing listens on: a Graph endpoint that refuses connections. */
async function closedPortUrl() {
  const s = net.createServer();
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}`;
}

/** Waits until calls that ended have been finalised (their spans exported, their metrics counted). */
const settled = () => new Promise((resolve) => setTimeout(resolve, S.CALL_SETTLE_MS + 150));

function checkCalls(calls) {
  if (!Number.isInteger(calls) || calls < 0 || calls > S.MAX_CALLS) throw new RangeError(`calls must be an integer from 0 to ${S.MAX_CALLS}`);
  return calls;
}

/**
 * @param {{ calls?: number, prometheusPort?: number, prometheusHost?: string, out?: NodeJS.WritableStream,
 *   sip?: 'auto' | false, keepServing?: boolean, wide?: boolean, rate?: number, signal?: AbortSignal,
 *   env?: Record<string, string | undefined> }} [options]
 * @returns {Promise<{ prometheusUrl: string, callLog: object[], problems: string[], close(): Promise<void> }>}
 */
export async function runDemo(options = {}) {
  const out = options.out ?? process.stdout;
  const env = options.env ?? process.env;
  const calls = checkCalls(options.calls ?? 0);
  const say = (line = '') => out.write(`${line}\n`);
  const { WhatsAppCallingInstrumentation, startSandbox, newCallId } = loadBuild();
  const serviceName = env.OTEL_SERVICE_NAME || S.DEFAULT_SERVICE_NAME;
  const initiationLimit = calls > S.CALL_INITIATION_LIMIT - 1000 ? calls + 1000 : S.CALL_INITIATION_LIMIT;

  const stack = []; // closers, last opened first
  const closeAll = async () => {
    while (stack.length)
      await stack
        .pop()()
        .catch(() => {});
  };
  try {
    const labels = new ScenarioLabels();
    const callLog = new CallLogExporter({ maxRows: 1000, labelOf: (row) => labels.of(row) });
    const telemetry = await startTelemetry({
      serviceName,
      env,
      prometheusHost: options.prometheusHost ?? env.DEMO_PROMETHEUS_HOST ?? '127.0.0.1',
      prometheusPort: options.prometheusPort ?? S.DEFAULT_PROMETHEUS_PORT,
      spanExporter: callLog,
    });
    stack.push(() => telemetry.shutdown());

    const sandbox = await startSandbox({
      accessToken: S.ACCESS_TOKEN,
      concurrentCallLimit: S.CONCURRENT_CALL_LIMIT,
      businessInitiatedCallLimit: S.BUSINESS_INITIATED_CALL_LIMIT,
      callInitiationLimit: initiationLimit,
      maxRecordedRequests: 100,
    });
    stack.push(() => sandbox.close());
    const unreachableGraphUrl = await closedPortUrl();
    const sipSkip = options.sip === false ? 'turned off (--no-sip)' : sipUnavailable();
    const sipPorts = sipSkip ? [] : await Promise.all(SIP_CALLS.map(() => freeUdpPort()));

    const calling = new WhatsAppCallingInstrumentation({
      enabled: false, // enabled below, once it has our providers
      graphApiBaseUrls: [sandbox.url, unreachableGraphUrl],
      concurrentCallLimit: S.CONCURRENT_CALL_LIMIT,
      businessInitiatedCallLimit: S.BUSINESS_INITIATED_CALL_LIMIT,
      callInitiationLimit: initiationLimit,
      callSettleMs: S.CALL_SETTLE_MS,
      sipPeers: sipPorts.map((p) => `127.0.0.1:${p}`),
    });
    calling.setTracerProvider(telemetry.tracerProvider);
    calling.setMeterProvider(telemetry.meterProvider);
    calling.enable();
    stack.push(async () => calling.disable());

    const app = await startBusinessApp({ calling, graph: createGraphClient({ baseUrl: sandbox.url }) });
    stack.push(() => app.close());
    const meta = createMetaSide({ sandbox, newCallId, webhookUrl: app.webhookUrl });

    let peakActive = 0;
    const sampleActive = async () => {
      const { activeNow } = summarizeMetrics(await telemetry.collect());
      peakActive = Math.max(peakActive, activeNow);
      return activeNow;
    };

    say(`WhatsApp Calling observability demo — service "${serviceName}", ${new Date().toISOString().slice(0, 10)}`);
    say(
      `  Cloud API sandbox  ${sandbox.url} (playing Meta: limits ${S.CONCURRENT_CALL_LIMIT} concurrent calls, ${S.BUSINESS_INITIATED_CALL_LIMIT} connected BI calls per user per 24 h)`,
    );
    say(`  business app       ${app.webhookUrl} (Express, webhooks through expressWebhookMiddleware())`);
    say(`  Prometheus         ${telemetry.prometheus.url}${telemetry.prometheus.note ? ` (${telemetry.prometheus.note})` : ''}`);
    say(
      `  OTLP               ${telemetry.otlp ? `${telemetry.otlp.tracesUrl ?? '—'} (traces), ${telemetry.otlp.metricsUrl ?? '—'} (metrics)` : 'off (OTEL_EXPORTER_OTLP_ENDPOINT not set)'}`,
    );
    if (initiationLimit !== S.CALL_INITIATION_LIMIT) say(`  note: call initiation limit raised to ${initiationLimit} so a long run is not all 138005`);
    say('');
    say('Scenarios');

    let userSeq = 1000;
    const ctx = { app, meta, sandbox, unreachableGraphUrl, user: () => `1408555${userSeq++}`, sampleActive };
    const tracer = telemetry.tracer;
    const problems = await runScenarios({
      tracer,
      labels,
      say,
      ctx,
      limits: { concurrentCallLimit: S.CONCURRENT_CALL_LIMIT, businessInitiatedCallLimit: S.BUSINESS_INITIATED_CALL_LIMIT },
    });
    problems.push(...(await runSipScenarios({ tracer, labels, say, calling, ports: sipPorts, skipReason: sipSkip })));
    await settled(); // calls end callSettleMs after their terminate (late webhooks may still merge)

    if (calls > 0) {
      say('');
      say(`Generated traffic: ${calls} calls${options.rate ? ` at ${options.rate} calls/s` : ''}`);
      const failedOf = () => ['failed', 'rejected', 'unanswered'].reduce((a, s) => a + (callLog.byStatus.get(s) ?? 0), 0);
      const failedBefore = failedOf(); // the scenarios' own
      let active = 0;
      const progress = createProgress(out, calls, {
        status: () => `${failedOf() - failedBefore} not completed · ${active} of ${S.CONCURRENT_CALL_LIMIT} active`,
      });
      const sampler = setInterval(() => {
        sampleActive().then(
          (n) => (active = n),
          () => {},
        );
      }, 250);
      try {
        await runTraffic(
          { app, meta, unreachableGraphUrl, onError: (err) => problems.length < MAX_PROBLEMS && problems.push(`traffic: ${err?.message ?? err}`) },
          {
            calls,
            concurrency: S.CONCURRENT_CALL_LIMIT,
            rate: options.rate,
            signal: options.signal,
            onCallDone: (n) => progress.update(n),
            wrap: (kind, fn) => tracer.startActiveSpan(`demo traffic: ${kind}`, (span) => fn().finally(() => span.end())),
          },
        );
      } finally {
        clearInterval(sampler);
        progress.stop();
      }
      await settled();
    }
    await telemetry.tracerProvider.forceFlush();

    const summary = summarizeMetrics(await telemetry.collect());
    const rows = callLog.rows();
    printReport({
      say,
      rows,
      callLog,
      summary,
      peakActive,
      trafficRan: calls > 0,
      wide: options.wide,
      width: out.columns ?? 120,
      prometheus: telemetry.prometheus,
      otlp: telemetry.otlp,
      keepServing: options.keepServing,
    });
    if (problems.length) {
      say('');
      say('Unexpected outcomes:');
      for (const p of problems.slice(0, 20)) say(`  ✗ ${p}`);
    }
    await telemetry.flush(); // OTLP: send what is batched now, not only at close()

    if (!options.keepServing) {
      // The app and the sandbox are done; the Prometheus endpoint stays up until close().
      const telemetryCloser = stack.shift(); // opened first

      await closeAll();
      stack.push(telemetryCloser);
    }
    let closing;
    return {
      prometheusUrl: telemetry.prometheus.url,
      callLog: rows,
      problems,
      close: () => (closing ??= closeAll()),
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
