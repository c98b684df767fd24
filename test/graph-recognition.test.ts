import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchEndpoint, matchOrigin, parseGraphBases } from '../src/graph/graph-endpoints';
import { recognizeOperation } from '../src/graph/operation';
import { parseRequestBody } from '../src/graph/request-body';
import { parseResponseBody } from '../src/graph/response-body';

const [graph] = parseGraphBases(['https://graph.facebook.com']);
const [proxied] = parseGraphBases(['http://127.0.0.1:8080/meta-graph/']);

describe('Graph origin and endpoint matching', () => {
  it('accepts the origin with or without the default port, in any case', () => {
    expect(matchOrigin([graph], 'https://graph.facebook.com')).toBe(graph);
    expect(matchOrigin([graph], 'https://GRAPH.facebook.com:443')).toBe(graph);
    expect(matchOrigin([graph], 'http://graph.facebook.com')).toBeUndefined();
    expect(matchOrigin([graph], 'https://graph.facebook.com.evil.example')).toBeUndefined();
  });

  it('skips invalid base URLs and reports them', () => {
    const invalid: string[] = [];
    expect(parseGraphBases(['not a url', 'ftp://x', 'https://ok.example'], (u) => invalid.push(u))).toHaveLength(1);
    expect(invalid).toEqual(['not a url', 'ftp://x']);
  });

  it('recognises the calling edges with any version prefix or none', () => {
    expect(matchEndpoint(graph, 'POST', '/v23.0/106540352242922/calls')).toMatchObject({
      edge: 'calls',
      phoneNumberId: '106540352242922',
      pathVersion: 'v23.0',
    });
    expect(matchEndpoint(graph, 'post', '/106540352242922/calls')).toMatchObject({ edge: 'calls', pathVersion: undefined });
    expect(matchEndpoint(graph, 'GET', '/v17/1/call_permissions?user_wa_id=1555')).toMatchObject({
      edge: 'call_permissions',
      query: 'user_wa_id=1555',
    });
    expect(matchEndpoint(graph, 'GET', '/v23.0/1/settings')?.edge).toBe('settings');
    expect(matchEndpoint(graph, 'POST', '/v23.0/1/settings')?.edge).toBe('settings');
    expect(matchEndpoint(graph, 'POST', '/v23.0/1/messages')?.edge).toBe('messages');
  });

  it('leaves other Graph requests alone', () => {
    expect(matchEndpoint(graph, 'GET', '/v23.0/1/calls')).toBeUndefined();
    expect(matchEndpoint(graph, 'DELETE', '/v23.0/1/settings')).toBeUndefined();
    expect(matchEndpoint(graph, 'POST', '/v23.0/1/media')).toBeUndefined();
    expect(matchEndpoint(graph, 'POST', '/v23.0/me/calls')).toBeUndefined();
    expect(matchEndpoint(graph, 'POST', '/v23.0/1/calls/extra')).toBeUndefined();
  });

  it('honours a base URL path prefix', () => {
    expect(matchEndpoint(proxied, 'POST', '/meta-graph/v23.0/1/calls')?.edge).toBe('calls');
    expect(matchEndpoint(proxied, 'POST', '/v23.0/1/calls')).toBeUndefined();
  });

  it('never throws on arbitrary methods and paths', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ maxLength: 2000 }), (method, path) => {
        matchEndpoint(graph, method, path);
      }),
    );
  });
});

describe('operation naming', () => {
  const calls = matchEndpoint(graph, 'POST', '/v23.0/1/calls')!;
  const messages = matchEndpoint(graph, 'POST', '/v23.0/1/messages')!;

  it('names each call action and its direction', () => {
    expect(recognizeOperation(calls, 'POST', { action: 'connect' })).toEqual({
      name: 'calls.connect',
      action: 'connect',
      direction: 'business_initiated',
    });
    for (const action of ['pre_accept', 'accept', 'reject']) {
      expect(recognizeOperation(calls, 'POST', { action })).toMatchObject({ name: `calls.${action}`, direction: 'user_initiated' });
    }
    expect(recognizeOperation(calls, 'POST', { action: 'terminate' })).toEqual({ name: 'calls.terminate', action: 'terminate', direction: undefined });
  });

  it('infers connect from a response call id when the body was unreadable, else names the edge', () => {
    expect(recognizeOperation(calls, 'POST', {}, 'wacid.x')?.name).toBe('calls.connect');
    expect(recognizeOperation(calls, 'POST', { action: 'dance' })?.name).toBe('calls');
  });

  it('recognises permission requests and voice-call buttons, not other messages', () => {
    expect(recognizeOperation(messages, 'POST', { messageType: 'interactive', interactiveType: 'call_permission_request' })?.name).toBe(
      'messages.call_permission_request',
    );
    expect(recognizeOperation(messages, 'POST', { messageType: 'interactive', interactiveType: 'voice_call' })?.name).toBe('messages.voice_call');
    expect(recognizeOperation(messages, 'POST', { messageType: 'template', templateVoiceCallButton: true })?.name).toBe('messages.voice_call');
    expect(recognizeOperation(messages, 'POST', { messageType: 'text' })).toBeUndefined();
    expect(recognizeOperation(messages, 'POST', { messageType: 'interactive', interactiveType: 'button' })).toBeUndefined();
  });
});

describe('request body fields', () => {
  it('reads JSON and form-encoded bodies', () => {
    expect(parseRequestBody('{"messaging_product":"whatsapp","action":"accept","call_id":"wacid.A"}')).toMatchObject({
      action: 'accept',
      callId: 'wacid.A',
    });
    expect(parseRequestBody('action=terminate&call_id=wacid.B')).toMatchObject({ action: 'terminate', callId: 'wacid.B' });
    expect(parseRequestBody('{"to":"1555","recipient":"US.1"}').to).toBe('1555');
    expect(parseRequestBody('{"recipient":"US.1"}').to).toBe('US.1');
  });

  it('still finds the action in a body cut at the inspection limit', () => {
    const cut = '{"messaging_product":"whatsapp","action":"connect","to":"1555","session":{"sdp":"v=0\\r\\n' + 'a'.repeat(100);
    expect(parseRequestBody(cut)).toMatchObject({ action: 'connect', to: '1555' });
  });

  it('never throws and returns only strings for arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.string({ maxLength: 70_000 })), (text) => {
        const fields = parseRequestBody(text);
        for (const v of [fields.action, fields.callId, fields.to]) expect(v === undefined || typeof v === 'string').toBe(true);
      }),
    );
  });
});

describe('response body fields', () => {
  it('reads a connect response, an error body and call permission limits', () => {
    expect(parseResponseBody('{"messaging_product":"whatsapp","calls":[{"id":"wacid.X"}]}').callId).toBe('wacid.X');
    expect(
      parseResponseBody(
        '{"error":{"message":"(#138006) No approved call permission","type":"OAuthException","code":138006,"error_subcode":2494071,"fbtrace_id":"AbC"}}',
      ).error,
    ).toMatchObject({ code: 138006, subcode: 2494071, type: 'OAuthException', fbtraceId: 'AbC' });
    const perms = parseResponseBody(
      '{"permission":{"status":"temporary"},"actions":[{"action_name":"start_call","limits":[{"time_period":"PT24H","max_allowed":100,"current_usage":100,"limit_expiration_time":1745622600}]}]}',
    );
    expect(perms.permissionStatus).toBe('temporary');
    expect(perms.startCallLimits).toEqual([{ timePeriod: 'PT24H', maxAllowed: 100, currentUsage: 100, limitExpirationTime: 1745622600 }]);
  });

  it('recovers the error code from a truncated error body', () => {
    expect(parseResponseBody('{"error":{"code":138002,"fbtrace_id":"Zz1","message":"' + 'x'.repeat(50)).error).toEqual({
      code: 138002,
      fbtraceId: 'Zz1',
    });
  });

  it('never throws on hostile JSON', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify({ error: v, calls: v, actions: [v] })),
        ),
        (text) => {
          parseResponseBody(text);
        },
      ),
    );
  });
});
