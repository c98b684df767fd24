/**
 * Names the WhatsApp operation a Graph request performs, from its endpoint and body, e.g.
 * `calls.connect`, `call_permissions.get`, `settings.update`, `messages.call_permission_request`.
 */
import type { GraphEndpoint } from './graph-endpoints';
import type { GraphRequestFields } from './request-body';

export const CALL_ACTIONS = ['connect', 'pre_accept', 'accept', 'reject', 'terminate'] as const;
export type CallAction = (typeof CALL_ACTIONS)[number];

export type CallDirection = 'business_initiated' | 'user_initiated';

export interface GraphOperation {
  /** `calls.connect` …; `calls` when the action could not be read (e.g. a streamed body). */
  name: string;
  action?: CallAction;
  direction?: CallDirection;
}

const isAction = (a: string | undefined): a is CallAction => (CALL_ACTIONS as readonly string[]).includes(a ?? '');

/**
 * Returns undefined for requests that are not WhatsApp Calling operations (e.g. an ordinary text
 * message on `/messages`), which are then left alone.
 */
export function recognizeOperation(endpoint: GraphEndpoint, method: string, body: GraphRequestFields, responseCallId?: string): GraphOperation | undefined {
  switch (endpoint.edge) {
    case 'calls': {
      // A connect response is the only one carrying calls[0].id: it names the action when the body couldn't.
      const action = isAction(body.action) ? body.action : responseCallId ? 'connect' : undefined;
      if (!action) return { name: 'calls' };
      return { name: `calls.${action}`, action, direction: directionOf(action) };
    }
    case 'call_permissions':
      return { name: 'call_permissions.get' };
    case 'settings':
      return { name: method.toUpperCase() === 'GET' ? 'settings.get' : 'settings.update' };
    case 'messages':
      if (body.messageType === 'interactive' && body.interactiveType === 'call_permission_request') {
        return { name: 'messages.call_permission_request' };
      }
      if ((body.messageType === 'interactive' && body.interactiveType === 'voice_call') || body.templateVoiceCallButton) {
        return { name: 'messages.voice_call' };
      }
      return undefined;
  }
}

/** connect is always business-initiated; pre_accept/accept/reject only exist for inbound calls. */
export function directionOf(action: CallAction): CallDirection | undefined {
  if (action === 'connect') return 'business_initiated';
  if (action === 'terminate') return undefined;
  return 'user_initiated';
}
