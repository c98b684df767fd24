/**
 * Meta's side of the calls: the sandbox builds each webhook delivery the way Meta shapes it and sends
 * it signed (`X-Hub-Signature-256`) to the business app. Durations travel in the terminate webhook's
 * `start_time` / `end_time` / `duration`, so a "5 minute" call takes no real time.
 */
import { PHONE_NUMBER_ID } from './settings.mjs';

export function createMetaSide({ sandbox, newCallId, webhookUrl, phoneNumberId = PHONE_NUMBER_ID }) {
  async function deliver(delivery) {
    const r = await sandbox.webhooks.send(webhookUrl, delivery);
    if (r.status !== 200) throw new Error(`the business app answered a webhook with HTTP ${r.status}`);
  }
  const at = () => Math.floor(Date.now() / 1000);
  const BI = 'BUSINESS_INITIATED';
  const UI = 'USER_INITIATED';

  return {
    /** A user taps a call button: Meta offers the call to the business (connect webhook with SDP offer). */
    async userCalls({ user, ctaPayload }) {
      const callId = newCallId();
      await deliver(sandbox.webhooks.connect({ callId, direction: UI, user, ctaPayload, phoneNumberId, timestamp: at() }));
      return callId;
    },
    /** The user's phone rings for a business-initiated call: SDP answer + RINGING. */
    async rings(callId, user) {
      await deliver(sandbox.webhooks.connect({ callId, direction: BI, user, phoneNumberId, timestamp: at() }));
      await deliver(sandbox.webhooks.status({ callId, status: 'RINGING', user, phoneNumberId, timestamp: at() }));
    },
    /** The user picks up a business-initiated call. */
    async picksUp(callId, user) {
      await deliver(sandbox.webhooks.status({ callId, status: 'ACCEPTED', user, phoneNumberId, timestamp: at() }));
    },
    /** The user declines a business-initiated call (REJECTED, then the terminate). */
    async declines(callId, user) {
      await deliver(sandbox.webhooks.status({ callId, status: 'REJECTED', user, phoneNumberId, timestamp: at() }));
      await deliver(sandbox.webhooks.terminate({ callId, direction: BI, user, phoneNumberId, timestamp: at() }));
    },
    /**
     * The call ended: `durationS` for answered calls (start_time = end − duration), `errorCode` for
     * failures Meta reports only here (138021 media timeout …). No duration = never answered.
     */
    async ends(callId, { direction, user, durationS, errorCode }) {
      const dir = direction === 'user_initiated' ? UI : BI;
      await deliver(sandbox.webhooks.terminate({ callId, direction: dir, user, durationS, errorCode, phoneNumberId, timestamp: at() }));
    },
  };
}
