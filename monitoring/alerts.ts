/** Every alert, in the order of the rule file and the runbook. */
import type { AlertSpec } from './alert-spec';
import { CALL_ALERTS } from './alerts-calls';
import { CAPACITY_ALERTS } from './alerts-capacity';
import { ERROR_ALERTS } from './alerts-errors';

export const ALERTS: AlertSpec[] = [...CAPACITY_ALERTS, ...ERROR_ALERTS, ...CALL_ALERTS];
