// The floor for observing webhook deliveries: the least any instrumentation that turns them into a
// call span (one event per delivery) and call metrics must do, through the same SDK — read the call's
// id, event and time from the parsed body, hold the call's deliveries until its terminate, then one
// span with a few attributes and an event per delivery, one counter point and one histogram point.
// No deduplication, no store, no quota, no media timeouts, no errors: a lower bound, not an equal.

export function createWebhookFloor(sdk) {
  const tracer = sdk.tracerProvider.getTracer('webhook-floor');
  const meter = sdk.meterProvider.getMeter('webhook-floor');
  const calls = meter.createCounter('floor.calls', { unit: '{call}' });
  const duration = meter.createHistogram('floor.call.duration', { unit: 's' });
  const open = new Map();
  return function observe(body) {
    const value = body?.entry?.[0]?.changes?.[0]?.value;
    const phoneNumberId = value?.metadata?.phone_number_id;
    const item = value?.calls?.[0] ?? value?.statuses?.[0];
    if (!item) return;
    const at = Number(item.timestamp) * 1000;
    const name = item.event ?? item.status;
    let call = open.get(item.id);
    if (!call) open.set(item.id, (call = { start: at, direction: item.direction, events: [] }));
    call.events.push({ name, at });
    if (item.event !== 'terminate') return;
    open.delete(item.id);
    const attributes = {
      'whatsapp.call.id': item.id,
      'whatsapp.phone_number_id': phoneNumberId,
      'whatsapp.call.direction': call.direction,
      'whatsapp.call.status': item.status,
      'whatsapp.signaling': 'graph_api',
    };
    const span = tracer.startSpan('whatsapp call', { startTime: call.start, attributes });
    for (const e of call.events) span.addEvent(e.name, e.at);
    span.end(at);
    const metricAttributes = { 'whatsapp.phone_number_id': phoneNumberId, 'whatsapp.call.direction': call.direction, 'whatsapp.signaling': 'graph_api' };
    duration.record(Number(item.duration ?? 0), metricAttributes);
    calls.add(1, { ...metricAttributes, 'whatsapp.call.status': item.status });
  };
}
