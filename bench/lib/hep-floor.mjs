// The floor for HEP ingest: the least any receiver that turns HEP-captured SIP into spans must do per
// packet, through the same SDK — walk the HEPv3 chunks to the SIP payload and capture time, read the
// start line, Call-ID, CSeq and the top Via branch, pair a request with its final response, then one
// span with a few attributes and one histogram point per transaction, and one span per call (ended at
// the BYE's answer). No validation, no Meta-leg decision, no redaction, no call store: a lower bound.

export function createHepFloor(sdk) {
  const tracer = sdk.tracerProvider.getTracer('hep-floor');
  const histogram = sdk.meterProvider.getMeter('hep-floor').createHistogram('floor.sip.duration', { unit: 's' });
  const transactions = new Map();
  const calls = new Map();
  return function observe(packet) {
    if (packet.length < 6 || packet.toString('latin1', 0, 4) !== 'HEP3') return;
    let payload;
    let seconds = 0;
    let micros = 0;
    for (let off = 6; off + 6 <= packet.length;) {
      const type = packet.readUInt16BE(off + 2);
      const len = packet.readUInt16BE(off + 4);
      if (len < 6) return;
      if (type === 9) seconds = packet.readUInt32BE(off + 6);
      else if (type === 10) micros = packet.readUInt32BE(off + 6);
      else if (type === 15) payload = packet.toString('latin1', off + 6, off + len);
      off += len;
    }
    if (!payload) return;
    const at = seconds * 1000 + micros / 1000;
    const head = payload.slice(0, payload.indexOf('\r\n\r\n'));
    const lines = head.split('\r\n');
    let callId;
    let cseq;
    let branch;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).toLowerCase();
      if (name === 'call-id') callId = line.slice(colon + 1).trim();
      else if (name === 'cseq') cseq = line.slice(colon + 1).trim();
      else if (name === 'via' && branch === undefined) branch = /branch=([^;\s]+)/.exec(line)?.[1];
    }
    if (!callId || !cseq || !branch) return;
    const method = cseq.slice(cseq.indexOf(' ') + 1);
    const key = `${branch}|${method}`;
    const start = lines[0];
    if (!start.startsWith('SIP/2.0 ')) {
      if (method === 'ACK') return;
      transactions.set(key, { at, method });
      if (method === 'INVITE' && !calls.has(callId)) calls.set(callId, at);
      return;
    }
    const status = Number(start.slice(8, 11));
    const t = transactions.get(key);
    if (!t || status < 200) return;
    transactions.delete(key);
    const attributes = { 'sip.method': method, 'sip.response.status_code': status, 'sip.call_id': callId, 'whatsapp.signaling': 'sip' };
    tracer.startSpan(`sip ${method}`, { kind: 2, startTime: t.at, attributes }).end(at);
    histogram.record((at - t.at) / 1000, { 'sip.method': method, 'sip.response.status_code': status });
    if (method === 'BYE') {
      const callStart = calls.get(callId);
      calls.delete(callId);
      if (callStart !== undefined)
        tracer.startSpan('whatsapp call', { startTime: callStart, attributes: { 'sip.call_id': callId, 'whatsapp.signaling': 'sip' } }).end(at);
    }
  };
}
