/**
 * Task queues. Workflows run on `<prefix>`; the activities of an account run on `<prefix>-<account id>`,
 * so a deployment can run one worker per account boundary, each holding only that account's role.
 * Queues are named by account id rather than alias because aliases belong to a runbook.
 */
export const DEFAULT_QUEUE_PREFIX = 'drctl';

export function workflowQueue(prefix = DEFAULT_QUEUE_PREFIX): string {
  return prefix;
}

export function accountQueue(accountId: string, prefix = DEFAULT_QUEUE_PREFIX): string {
  return `${prefix}-${accountId}`;
}
