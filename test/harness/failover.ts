/** Helpers for failover integration tests: start a drill or incident on a test's own queues. */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { failover } from '../../workflows';
import type { FailoverMode, FailoverProgress, FailoverResult } from '../../workflows/failover-types';
import type { Runbook } from '../../runbooks';
import { demoRunbook, eventually } from './temporal';

export async function startFailover(client: Client, prefix: string, name: string, opts: { mode: FailoverMode; change?: (rb: Runbook) => void; initiator?: string; tiers?: string[]; declaredAt?: string; onFailure?: 'continue' | 'pause' }): Promise<WorkflowHandle<typeof failover>> {
  const { runbook, runbookSha256 } = demoRunbook(opts.change);
  return client.workflow.start(failover, {
    taskQueue: prefix, workflowId: `${prefix}-${name}`,
    args: [{
      runbook, runbookSha256, mode: opts.mode, initiator: opts.initiator ?? 'jest', tiers: opts.tiers, taskQueuePrefix: prefix, onFailure: opts.onFailure,
      incident: opts.mode === 'incident' ? { id: `INC-${name}`, declaredAt: opts.declaredAt ?? new Date(Date.now() - 30_000).toISOString() } : undefined,
    }],
  });
}

export const progress = (h: WorkflowHandle) => h.query<FailoverProgress>('progress');

/** Waits until a step reaches `status`; returns the progress at that moment. */
export async function stepReaches(h: WorkflowHandle, stepId: string, status: string, timeoutMs = 90_000): Promise<FailoverProgress> {
  return eventually(async () => {
    const p = await progress(h);
    return p.steps.find((s) => s.id === stepId)?.status === status ? p : undefined;
  }, timeoutMs, `${stepId} ${status}`);
}

export const step = (r: FailoverResult | FailoverProgress, id: string) => {
  const s = r.steps.find((x) => x.id === id);
  if (!s) throw new Error(`no step ${id} in ${r.steps.map((x) => x.id).join(', ')}`);
  return s;
};
