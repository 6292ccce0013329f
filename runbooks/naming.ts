/**
 * Names and tokens derived from the run and the step, so a retry or a restarted worker finds what
 * the first attempt created instead of creating a second one.
 */
import { hash32 } from './recovery-points';

/** Tags drctl puts on everything it creates; the leak scan looks for `drctl:run`. */
export const TAG_RUN = 'drctl:run';
export const TAG_STEP = 'drctl:step';
export const TAG_RUNBOOK = 'drctl:runbook';
export const TAG_PURPOSE = 'drctl:purpose';

/** A short, stable key for a run (from its workflow id): 10 characters of [a-z0-9]. */
export function runKey(workflowId: string): string {
  return (hash32(workflowId).toString(36) + hash32(`${workflowId}#`).toString(36)).slice(0, 10).padEnd(10, '0');
}

/**
 * An RDS identifier (instance or snapshot): starts with a letter, letters, digits and single
 * hyphens, at most 63 characters, no trailing hyphen.
 */
export function rdsIdentifier(prefix: string, key: string, resourceId: string): string {
  const raw = `${prefix}-${key}-${resourceId}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+/g, '-');
  return raw.slice(0, 63).replace(/-+$/, '');
}

/** An idempotency / client token for one step of one run (AWS allows up to 64 characters). */
export function clientToken(key: string, stepId: string): string {
  return `drctl-${key}-${hash32(stepId).toString(36)}-${stepId.replace(/[^A-Za-z0-9-]/g, '-')}`.slice(0, 64);
}
