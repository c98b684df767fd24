/**
 * Runs the named scenarios (and the SIP leg) one after the other, each inside a `demo scenario: …`
 * span, so in Jaeger every business-initiated call hangs under the scenario that placed it. Prints a
 * line per scenario; a scenario whose outcome was not what it expected is marked ✗ and reported.
 */
import { scenarioList } from './scenarios.mjs';
import { runSipLeg } from './sip-leg.mjs';

const pad = (s, n) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

export async function runScenarios({ tracer, labels, say, ctx, limits }) {
  const problems = [];
  const run = async (label, fn) => {
    const checks = [];
    const scenarioCtx = {
      ...ctx,
      labelCall: (callId) => labels.id(callId, label),
      check: (ok, message) => {
        if (!ok) checks.push(message);
      },
    };
    const summary = await tracer.startActiveSpan(`demo scenario: ${label}`, async (span) => {
      labels.trace(span.spanContext().traceId, label);
      try {
        return await fn(scenarioCtx);
      } catch (err) {
        checks.push(`threw: ${err?.message ?? err}`);
        return 'failed';
      } finally {
        span.end();
      }
    });
    say(`  ${checks.length ? '✗' : '✓'} ${pad(label, 28)} ${summary}`);
    for (const c of checks) problems.push(`${label}: ${c}`);
  };
  for (const s of scenarioList(limits)) await run(s.label, s.run);
  return problems;
}

/** The SIP leg, or one line saying why it was skipped. */
export async function runSipScenarios({ tracer, labels, say, calling, ports, skipReason }) {
  if (skipReason) {
    say(`  - ${pad('SIP leg', 28)} skipped: ${skipReason}`);
    return [];
  }
  const problems = [];
  const withLabel = (label, sipCallId, fn) => {
    labels.id(sipCallId, label);
    return tracer.startActiveSpan(`demo scenario: ${label}`, async (span) => {
      labels.trace(span.spanContext().traceId, label);
      try {
        return await fn();
      } finally {
        span.end();
      }
    });
  };
  try {
    const results = await runSipLeg({ calling, ports, withLabel });
    for (const r of results) {
      const expected = r.label === 'SIP call' ? 200 : 486;
      const ok = r.status === expected && r.sippExit === 0;
      say(
        `  ${ok ? '✓' : '✗'} ${pad(r.label, 28)} sipp as Meta's SIP edge (UDP): final response ${r.status}${r.label === 'SIP call' ? ' after a 407 digest challenge, Meta hung up' : ''}`,
      );
      if (!ok) problems.push(`${r.label}: final ${r.status}, sipp exit ${r.sippExit}`);
    }
  } catch (err) {
    say(`  ✗ ${pad('SIP leg', 28)} ${err?.message ?? err}`);
    problems.push(`SIP leg: ${err?.message ?? err}`);
  }
  return problems;
}
