/**
 * Magic recipients, so tests get each error from a real request: a `to` (or `recipient`, or
 * `user_wa_id`) whose last six digits are a six-digit code of the catalogue answers with that code
 * (`15550138006` → 138006, `15550131030` → 131030). A `to` ending in `0000480` is a user who never
 * answers: the connect succeeds but the call does not count as connected.
 */
import { SANDBOX_ERRORS } from './errors';

const SIX_DIGIT_CODES = new Set(
  Object.keys(SANDBOX_ERRORS)
    .map(Number)
    .filter((c) => c >= 100_000 && c <= 999_999),
);

/** The error code a magic recipient asks for, if any. */
export function magicCode(recipient: string): number | undefined {
  const digits = recipient.replace(/\D/g, '');
  if (digits.length <= 6) return undefined;
  const code = Number(digits.slice(-6));
  return SIX_DIGIT_CODES.has(code) ? code : undefined;
}

/** The simulated user never answers: a connect succeeds but is not a connected call. */
export const neverAnswers = (recipient: string): boolean => recipient.replace(/\D/g, '').endsWith('0000480');

/** Recipients `/call_permissions` reports as `no_permission` (Meta does not error there). */
export const withoutPermission = (recipient: string): boolean => {
  const code = magicCode(recipient);
  return code === 138006 || code === 138001;
};
