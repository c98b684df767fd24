/**
 * What the compatibility apps' traffic (fixtures/graph-traffic.cjs) must record, stated explicitly:
 * a contract that is merely the same in every cell could be the same nothing everywhere.
 */
import { expect } from 'vitest';
import { canonical } from './contract';
import type { Contract } from './contract';

export const PHONE = '106540352242922';
const graph = { 'whatsapp.signaling': 'graph_api', 'whatsapp.phone_number_id': PHONE };
const http = (status: number) => ({
  'http.request.method': 'POST',
  'http.response.status_code': status,
  'server.address': '127.0.0.1',
  'server.port': '<port>',
  'whatsapp.api.version': 'v23.0',
});

export function expectTrafficContract(contract: Contract): void {
  const spans = contract.spans;
  expect(spans.map((s) => s.name).sort()).toEqual([
    'whatsapp call',
    'whatsapp calls.accept',
    'whatsapp calls.connect',
    'whatsapp calls.connect',
    'whatsapp calls.terminate',
  ]);
  const op = (name: string, status: number) => spans.find((s) => s.name === name && s.attributes['http.response.status_code'] === status);

  expect(op('whatsapp calls.connect', 200)).toMatchObject({
    kind: 2,
    status: { code: 0 },
    parent: 'app span',
    attributes: {
      ...graph,
      ...http(200),
      'whatsapp.operation': 'calls.connect',
      'whatsapp.call.action': 'connect',
      'whatsapp.call.direction': 'business_initiated',
      'whatsapp.call.id': '<connect call id>',
      'whatsapp.request.id': '<request id of whatsapp calls.connect 200>',
      'whatsapp.fbtrace_id': '<fbtrace id of whatsapp calls.connect 200>',
    },
  });
  expect(op('whatsapp calls.connect', 200)!.attributes['error.type']).toBeUndefined();
  expect(op('whatsapp calls.accept', 200)).toMatchObject({
    kind: 2,
    status: { code: 0 },
    parent: 'app span',
    attributes: {
      ...graph,
      ...http(200),
      'whatsapp.operation': 'calls.accept',
      'whatsapp.call.direction': 'user_initiated',
      'whatsapp.call.id': 'wacid.COMPAT-ACCEPT',
    },
  });
  expect(op('whatsapp calls.terminate', 200)).toMatchObject({
    kind: 2,
    parent: 'app span',
    attributes: { ...graph, ...http(200), 'whatsapp.operation': 'calls.terminate', 'whatsapp.call.id': '<connect call id>' },
  });
  expect(op('whatsapp calls.connect', 401)).toMatchObject({
    kind: 2,
    status: { code: 2, message: '(#138006) No approved call permission from the recipient' },
    parent: 'app span',
    attributes: { ...graph, ...http(401), 'error.type': '138006', 'whatsapp.error.code': 138006, 'whatsapp.error.category': 'permission' },
  });
  expect(spans.find((s) => s.name === 'whatsapp call')).toMatchObject({
    kind: 0,
    parent: 'app span',
    links: ['whatsapp calls.connect 200', 'whatsapp calls.terminate 200'],
    attributes: { ...graph, 'whatsapp.call.id': '<connect call id>', 'whatsapp.call.status': 'unanswered', 'whatsapp.call.direction': 'business_initiated' },
  });
  // Privacy by default: no token, SDP or consumer number reached any span or metric.
  expect(canonical(contract)).not.toMatch(/compat-token|v=0|14085551234|15550138006/);

  const duration = (operation: string, extra: Record<string, unknown> = {}) => ({
    name: 'whatsapp.calling.operation.duration',
    attributes: { ...graph, 'whatsapp.operation': operation, ...extra },
    count: 1,
  });
  expect(contract.metrics).toEqual(
    expect.arrayContaining([
      duration('calls.connect'),
      duration('calls.accept'),
      duration('calls.terminate'),
      duration('calls.connect', { 'error.type': '138006' }),
      {
        name: 'whatsapp.calling.errors',
        attributes: { ...graph, 'whatsapp.operation': 'calls.connect', 'error.type': '138006', 'whatsapp.error.category': 'permission' },
        value: 1,
      },
      {
        name: 'whatsapp.calling.calls',
        attributes: { ...graph, 'whatsapp.call.direction': 'business_initiated', 'whatsapp.call.status': 'unanswered' },
        value: 1,
      },
      { name: 'whatsapp.calling.calls.active', attributes: { ...graph, 'whatsapp.call.direction': 'business_initiated' }, value: 0 },
      { name: 'whatsapp.calling.calls.active', attributes: { ...graph, 'whatsapp.call.direction': 'user_initiated' }, value: 1 },
      { name: 'whatsapp.calling.quota.initiations', attributes: { 'whatsapp.phone_number_id': PHONE }, value: 1 },
    ]),
  );
  // Exactly one duration point per request: no duplicated hook.
  expect(contract.metrics.filter((p) => p.name === 'whatsapp.calling.operation.duration').reduce((n, p) => n + (p.count ?? 0), 0)).toBe(4);
}
