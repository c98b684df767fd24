/**
 * The business app's Graph API client: plain `fetch` (undici), as most apps write it. The
 * instrumentation sees these requests through undici's diagnostics channels; nothing here knows
 * about OpenTelemetry. Never throws: a transport failure comes back as `{ transportError }`.
 */
import { ACCESS_TOKEN, GRAPH_VERSION, PHONE_NUMBER_ID, SDP } from './settings.mjs';

export function createGraphClient({ baseUrl, token = ACCESS_TOKEN, phoneNumberId = PHONE_NUMBER_ID }) {
  async function request(method, path, body, opts = {}) {
    const url = `${opts.baseUrl ?? baseUrl}/${GRAPH_VERSION}/${opts.phoneNumberId ?? phoneNumberId}${path}`;
    try {
      const res = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${opts.token ?? token}`, 'content-type': 'application/json' },
        body: body ? JSON.stringify({ messaging_product: 'whatsapp', ...body }) : undefined,
      });
      const json = await res.json().catch(() => ({}));
      return { ok: res.ok, status: res.status, body: json, error: json?.error };
    } catch (err) {
      return { ok: false, transportError: err?.cause?.code ?? err?.code ?? String(err?.message ?? err) };
    }
  }
  const answer = (sdp = SDP) => ({ sdp_type: 'answer', sdp });
  return {
    /** Places a business-initiated call; `callId` is set when Meta accepted the request. */
    async connect(to, opts = {}) {
      const r = await request('POST', '/calls', { action: 'connect', to, session: { sdp_type: 'offer', sdp: opts.sdp ?? SDP } }, opts);
      return { ...r, callId: r.body?.calls?.[0]?.id };
    },
    preAccept: (callId, opts) => request('POST', '/calls', { action: 'pre_accept', call_id: callId, session: answer() }, opts),
    accept: (callId, opts) => request('POST', '/calls', { action: 'accept', call_id: callId, session: answer() }, opts),
    reject: (callId, opts) => request('POST', '/calls', { action: 'reject', call_id: callId }, opts),
    terminate: (callId, opts) => request('POST', '/calls', { action: 'terminate', call_id: callId }, opts),
    permissions: (user, opts) => request('GET', `/call_permissions?user_wa_id=${encodeURIComponent(user)}`, undefined, opts),
  };
}
