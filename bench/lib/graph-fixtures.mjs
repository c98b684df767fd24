// What the Graph benchmarks send: a business-initiated connect with a WebRTC-style SDP offer (the
// body apps really post), and the floor any instrumentation of this kind must pay per request.
export const PHONE_NUMBER_ID = '106540352242922';

export const SDP_OFFER = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'a=extmap-allow-mixed',
  'a=msid-semantic: WMS',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=candidate:1467250027 1 udp 2122260223 192.168.0.196 46243 typ host generation 0 network-id 1',
  'a=candidate:1467250027 2 udp 2122260222 192.168.0.196 56280 typ host generation 0 network-id 1',
  'a=candidate:435653019 1 tcp 1845501695 203.0.113.7 46243 typ srflx raddr 192.168.0.196 rport 46243 generation 0',
  'a=ice-ufrag:KhLS',
  'a=ice-pwd:XNbQpFZtWmPdYMUs7ypsN5cT',
  'a=ice-options:trickle',
  'a=fingerprint:sha-256 FA:14:42:3B:C7:97:1B:E8:AE:0C:2E:D8:29:A6:1C:8F:3A:6E:6C:EF:0C:7E:5A:F6:B6:1E:0A:61:60:12:C2:44',
  'a=setup:actpass',
  'a=mid:0',
  'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  'a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
  'a=sendrecv',
  'a=msid:- 3c7e6e2a-7c2b-4a4b-9a1e-2f0b1b8f4c11',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  'a=rtcp-fb:111 transport-cc',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:63 red/48000/2',
  'a=fmtp:63 111/111',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:13 CN/8000',
  'a=rtpmap:110 telephone-event/48000',
  'a=rtpmap:126 telephone-event/8000',
  'a=ssrc:2871397741 cname:ZqLqGfTA2xJd0nVr',
  'a=ssrc:2871397741 msid:- 3c7e6e2a-7c2b-4a4b-9a1e-2f0b1b8f4c11',
  '',
].join('\r\n');

/** The i-th connect body (consumers vary, as in real traffic). */
export const connectBody = (i) =>
  JSON.stringify({
    messaging_product: 'whatsapp',
    to: `1408555${String(i % 1000).padStart(4, '0')}`,
    action: 'connect',
    session: { sdp_type: 'offer', sdp: SDP_OFFER },
  });

export const requestHeaders = { 'content-type': 'application/json', authorization: 'Bearer EAAGm0PX4ZCpsBAKZCbenchtoken' };

/**
 * The floor: parse both JSON bodies, one span with a dozen attributes, one histogram point — with the
 * same SDK as every instrumentation measured.
 */
export function createFloor(sdk) {
  const tracer = sdk.tracerProvider.getTracer('floor');
  const histogram = sdk.meterProvider.getMeter('floor').createHistogram('floor.operation.duration', { unit: 's' });
  return function floor(requestText, responseText, startTime, statusCode, url) {
    const request = JSON.parse(requestText);
    const response = JSON.parse(responseText);
    const span = tracer.startSpan(`whatsapp calls.${request.action}`, {
      kind: 2,
      startTime,
      attributes: {
        'whatsapp.operation': `calls.${request.action}`,
        'whatsapp.signaling': 'graph_api',
        'whatsapp.phone_number_id': PHONE_NUMBER_ID,
        'whatsapp.call.action': request.action,
        'whatsapp.call.direction': 'business_initiated',
        'whatsapp.call.id': response.calls?.[0]?.id,
        'http.request.method': 'POST',
        'http.response.status_code': statusCode,
        'server.address': url.hostname,
        'server.port': Number(url.port),
        'whatsapp.api.version': 'v23.0',
        'whatsapp.media.security': 'dtls',
      },
    });
    span.end();
    histogram.record((performance.timeOrigin + performance.now() - startTime) / 1000, {
      'whatsapp.operation': `calls.${request.action}`,
      'whatsapp.signaling': 'graph_api',
      'whatsapp.phone_number_id': PHONE_NUMBER_ID,
    });
  };
}
