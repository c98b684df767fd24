// The part of undici's Request (lib/core/request.js, undici 5–7: Node 20's fetch) that an
// instrumentation meets, for replays without the network: `undici:request:create` on construction,
// and the methods undici's client calls on it as the exchange goes — `onBodySent` per body chunk,
// `onHeaders` (publishes `undici:request:headers` when it has subscribers), `onData` per body chunk,
// `onComplete` (publishes `undici:request:trailers`). An instrumentation may subscribe to those
// channels or wrap this request's own methods, as with a real one.
import * as diagch from 'node:diagnostics_channel';

const channels = {
  create: diagch.channel('undici:request:create'),
  headers: diagch.channel('undici:request:headers'),
  trailers: diagch.channel('undici:request:trailers'),
};

export class ReplayUndiciRequest {
  constructor({ origin, method, path, headers, body }) {
    this.origin = origin;
    this.method = method;
    this.path = path;
    this.headers = headers;
    this.body = body;
    this.completed = false;
    if (channels.create.hasSubscribers) channels.create.publish({ request: this });
  }

  onBodySent() {}

  onHeaders(statusCode, headers, resume, statusText) {
    if (channels.headers.hasSubscribers) channels.headers.publish({ request: this, response: { statusCode, headers, statusText } });
    return true;
  }

  onData() {
    return true;
  }

  onComplete(trailers) {
    this.completed = true;
    if (channels.trailers.hasSubscribers) channels.trailers.publish({ request: this, trailers });
  }
}

/** One exchange as undici drives it, its response given whole. */
export async function replayUndiciExchange(init, { rawHeaders, body, statusCode = 200 }) {
  const request = new ReplayUndiciRequest(init);
  if (request.body && typeof request.body[Symbol.asyncIterator] === 'function') for await (const chunk of request.body) request.onBodySent(chunk); // undici writing the body
  request.onHeaders(statusCode, rawHeaders, () => {}, 'OK');
  request.onData(body);
  request.onComplete([]);
}
