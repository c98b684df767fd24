/**
 * Capacity alerts: concurrent calls against the per-number limit, and the rolling 24 h quotas
 * (business-initiated calls per user, call initiations per number).
 */
import { PHONE } from './alert-spec';
import type { AlertCase, AlertSpec, SeriesInput } from './alert-spec';
import { RECORD } from './recording-rules';
import { graphRemedy } from './remedies';
import { count, label, percent, text } from './template';
import { byNumber, traceQuery } from './trace-queries';

const number = label('whatsapp_phone_number_id');
const at = { whatsapp_phone_number_id: PHONE };

const active = (direction: string, values: string): SeriesInput => ({
  metric: 'callsActive',
  labels: { ...at, whatsapp_call_direction: direction, whatsapp_signaling: 'graph_api' },
  values,
});
const gauge = (metric: SeriesInput['metric'], values: string): SeriesInput => ({ metric, labels: at, values });

/** Both directions add up; the limit gauge is per number. */
function concurrency(user: number, business: number, minutes = 15): SeriesInput[] {
  return [active('user_initiated', `${user}x${minutes}`), active('business_initiated', `${business}x${minutes}`), gauge('callsActiveLimit', `1000x${minutes}`)];
}

const concurrencyTrace = traceQuery([{ attribute: 'whatsapp.error.category', value: 'concurrency_limit' }, byNumber]);
const concurrencyRunbook = [
  'Open the dashboard row "Capacity": if active calls climb steadily while call volume is flat, calls are not being ended (a missed terminate, a media server that never hangs up); the trace query lists the calls Meta already refused.',
  'Ask for a higher limit from Meta only after ruling out leaked calls.',
];

function concurrencyCases(threshold: number, over: [number, number], under: [number, number]): AlertCase[] {
  const total = over[0] + over[1];
  return [
    {
      title: `fires when both directions together hold ${total} of 1000 calls`,
      series: concurrency(...over),
      at: 10,
      fires: [{ labels: at, value: total / 1000 }],
    },
    { title: `stays silent at ${under[0] + under[1]} of 1000 calls (below ${threshold * 100}%)`, series: concurrency(...under), at: 10 },
    {
      title: 'stays silent when two instances sharing a call store both report the same calls (instances are not added up)',
      series: [
        ...concurrency(...under),
        {
          ...active('user_initiated', `${under[0]}x15`),
          labels: { ...at, whatsapp_call_direction: 'user_initiated', whatsapp_signaling: 'graph_api', instance: '10.0.0.2:9464' },
        },
        {
          ...active('business_initiated', `${under[1]}x15`),
          labels: { ...at, whatsapp_call_direction: 'business_initiated', whatsapp_signaling: 'graph_api', instance: '10.0.0.2:9464' },
        },
      ],
      at: 10,
    },
  ];
}

export const ConcurrencyHigh: AlertSpec = {
  name: 'WhatsAppCallingConcurrencyHigh',
  severity: 'warning',
  for: '2m',
  expr: () => `${RECORD.callsActiveRatio} >= 0.8`,
  threshold: "active calls ≥ 80% of the number's concurrent-call limit for 2 min",
  summary: text`Number ${number} has ${percent} of its concurrent-call limit in use`,
  description: text`Calls in progress on business number ${number} reached ${percent} of the concurrent-call limit. At 100% Meta refuses new calls with 138002 (Concurrent calls limit reached).`,
  remedy: text`${graphRemedy(138002)}`,
  trace: concurrencyTrace,
  runbook: concurrencyRunbook,
  cases: [
    ...concurrencyCases(0.8, [500, 350], [400, 300]),
    {
      title: 'stays silent on a one-minute spike (shorter than for: 2m)',
      series: [
        active('user_initiated', '500 500 500 500 500 500 500 500 850 500 500'),
        active('business_initiated', '0x10'),
        gauge('callsActiveLimit', '1000x10'),
      ],
      at: 10,
    },
  ],
};

export const ConcurrencyCritical: AlertSpec = {
  name: 'WhatsAppCallingConcurrencyCritical',
  severity: 'critical',
  for: '1m',
  expr: () => `${RECORD.callsActiveRatio} >= 0.95`,
  threshold: 'active calls ≥ 95% of the limit for 1 min',
  summary: text`Number ${number} is at ${percent} of its concurrent-call limit`,
  description: text`Business number ${number} has ${percent} of its concurrent-call limit in use; new calls are about to be refused with 138002 (Concurrent calls limit reached).`,
  remedy: text`${graphRemedy(138002)}`,
  trace: concurrencyTrace,
  runbook: concurrencyRunbook,
  cases: concurrencyCases(0.95, [600, 360], [500, 400]),
};

export const QuotaPairsExhausted: AlertSpec = {
  name: 'WhatsAppCallingQuotaPairsExhausted',
  severity: 'warning',
  for: '5m',
  expr: (n) => `max by (whatsapp_phone_number_id) (${n.quotaExhaustedPairs}) > 0`,
  threshold: 'at least one (number, user) pair used up its connected business-initiated calls for the rolling 24 h, for 5 min',
  summary: text`${count} user(s) reached the daily business-initiated call limit on number ${number}`,
  description: text`${count} user(s) already had the maximum connected business-initiated calls from number ${number} in the rolling 24 h; calling them again fails with 138012 (SIP 403 "per day limit") until the window rolls on.`,
  remedy: text`${graphRemedy(138012)}`,
  trace: traceQuery([{ attribute: 'whatsapp.error.category', value: 'daily_quota' }, byNumber]),
  runbook: [
    'Make the dialler skip users at their limit (the dashboard panel "Busiest pair vs per-pair limit" shows how close the next ones are). The pair keys are HMACs, never phone numbers: the trace query shows the refused calls.',
  ],
  cases: [
    { title: 'fires when two pairs are exhausted', series: [gauge('quotaExhaustedPairs', '0 0 0 2x12')], at: 10, fires: [{ labels: at, value: 2 }] },
    { title: 'stays silent while no pair is exhausted', series: [gauge('quotaExhaustedPairs', '0x15')], at: 10 },
  ],
};

const initiations = (value: number): SeriesInput[] => [gauge('quotaInitiations', `${value}x15`), gauge('quotaInitiationsLimit', '10000x15')];
const initiationsTrace = traceQuery([{ attribute: 'whatsapp.operation', value: 'calls.connect' }, byNumber]);
const initiationsRunbook = [
  'The trace query lists the connect requests of the number: look for a campaign or a retry loop. Spread traffic over more numbers or pace it; at the limit, connects fail with 138005 until the oldest initiations leave the 24 h window.',
];

export const InitiationsNearLimit: AlertSpec = {
  name: 'WhatsAppCallingInitiationsNearLimit',
  severity: 'warning',
  for: '5m',
  expr: () => `${RECORD.initiationsRatio} >= 0.8`,
  threshold: 'call initiations in the rolling 24 h ≥ 80% of the per-number limit for 5 min',
  summary: text`Number ${number} used ${percent} of its 24 h call-initiation limit`,
  description: text`Business number ${number} started ${percent} of the calls it may start in a rolling 24 h; past the limit, connects fail with 138005 (Call rate limit exceeded).`,
  remedy: text`${graphRemedy(138005)}`,
  trace: initiationsTrace,
  runbook: initiationsRunbook,
  cases: [
    { title: 'fires at 8500 of 10000 initiations', series: initiations(8500), at: 10, fires: [{ labels: at, value: 0.85 }] },
    { title: 'stays silent at 5000 of 10000 initiations', series: initiations(5000), at: 10 },
  ],
};

export const InitiationsAtLimit: AlertSpec = {
  name: 'WhatsAppCallingInitiationsAtLimit',
  severity: 'critical',
  for: '1m',
  expr: () => `${RECORD.initiationsRatio} >= 0.95`,
  threshold: 'call initiations ≥ 95% of the per-number limit for 1 min',
  summary: text`Number ${number} is at ${percent} of its 24 h call-initiation limit`,
  description: text`Business number ${number} has started ${percent} of the calls it may start in a rolling 24 h; new connects will fail with 138005 (Call rate limit exceeded) within minutes.`,
  remedy: text`${graphRemedy(138005)}`,
  trace: initiationsTrace,
  runbook: initiationsRunbook,
  cases: [
    { title: 'fires at 9600 of 10000 initiations', series: initiations(9600), at: 10, fires: [{ labels: at, value: 0.96 }] },
    { title: 'stays silent at 9000 of 10000 initiations', series: initiations(9000), at: 10 },
  ],
};

export const CAPACITY_ALERTS: AlertSpec[] = [ConcurrencyHigh, ConcurrencyCritical, QuotaPairsExhausted, InitiationsNearLimit, InitiationsAtLimit];
