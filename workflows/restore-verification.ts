/**
 * restoreVerification: restore-tests a runbook (or a tier or resource selection), one child workflow
 * per resource with bounded parallelism, so each child's history stays small and a failure in one
 * resource never stops the others. Cancelling it cancels the children, which clean up.
 */
import { defineQuery, setHandler, startChild, workflowInfo, type ChildWorkflowHandle } from '@temporalio/workflow';
import type { Runbook } from '../runbooks/schema';
import { restoreTest, type RestoreTestResult, type RestoreTestStatus } from './restore-test';
import { failureMessage } from './steps';

export interface RestoreVerificationInput {
  runbook: Runbook;
  runbookSha256: string;
  tiers?: string[];
  resources?: string[];
  initiator: string;
  taskQueuePrefix?: string;
  /** Resources restored at the same time; default: the runbook's restoreTest.parallelism, else 2. */
  parallelism?: number;
}

export interface RestoreVerificationResult {
  kind: 'restore-verification';
  workflowId: string;
  runbook: { name: string; sha256: string };
  initiator: string;
  startedAt: string;
  endedAt: string;
  status: 'PASSED' | 'FAILED' | 'CANCELLED';
  results: RestoreTestResult[];
  /** Children that ended without a result (e.g. terminated), with why. */
  errors: Array<{ resource: string; error: string }>;
}

export interface RestoreVerificationProgress {
  runbook: string;
  children: Array<{ resource: string; workflowId: string; status: 'waiting' | 'running' | RestoreTestStatus | 'ERROR' }>;
}

export const restoreVerificationProgress = defineQuery<RestoreVerificationProgress>('progress');

/** Resource ids in runbook order that have a restoreTest section and match the selection. */
export function selectResources(rb: Runbook, tiers?: string[], resources?: string[]): string[] {
  return rb.tiers
    .filter((t) => !tiers?.length || tiers.includes(t.name))
    .flatMap((t) => t.resources)
    .filter((r) => r.restoreTest && (!resources?.length || resources.includes(r.id)))
    .map((r) => r.id);
}

export async function restoreVerification(input: RestoreVerificationInput): Promise<RestoreVerificationResult> {
  const info = workflowInfo();
  const ids = selectResources(input.runbook, input.tiers, input.resources);
  const limit = Math.max(1, input.parallelism ?? input.runbook.restoreTest?.parallelism ?? 2);
  const children = ids.map((resource) => ({ resource, workflowId: `${info.workflowId}/${resource}`, status: 'waiting' as RestoreVerificationProgress['children'][number]['status'] }));
  setHandler(restoreVerificationProgress, () => ({ runbook: input.runbook.metadata.name, children }));

  const results: RestoreTestResult[] = [];
  const errors: RestoreVerificationResult['errors'] = [];
  const running = new Set<Promise<void>>();
  for (const child of children) {
    while (running.size >= limit) await Promise.race(running);
    const p: Promise<void> = (async () => {
      child.status = 'running';
      try {
        const handle: ChildWorkflowHandle<typeof restoreTest> = await startChild(restoreTest, {
          workflowId: child.workflowId,
          args: [{ runbook: input.runbook, runbookSha256: input.runbookSha256, resourceId: child.resource, initiator: input.initiator, taskQueuePrefix: input.taskQueuePrefix }],
        });
        const result = await handle.result();
        child.status = result.status;
        results.push(result);
      } catch (err) {
        child.status = 'ERROR';
        errors.push({ resource: child.resource, error: failureMessage(err) });
      }
    })().finally(() => running.delete(p));
    running.add(p);
  }
  await Promise.all(running);
  results.sort((a, b) => ids.indexOf(a.resource) - ids.indexOf(b.resource));
  const cancelled = results.some((r) => r.status === 'CANCELLED');
  return {
    kind: 'restore-verification', workflowId: info.workflowId, runbook: { name: input.runbook.metadata.name, sha256: input.runbookSha256 },
    initiator: input.initiator, startedAt: info.startTime.toISOString(), endedAt: new Date().toISOString(),
    status: cancelled ? 'CANCELLED' : errors.length === 0 && results.every((r) => r.status === 'PASSED') ? 'PASSED' : 'FAILED',
    results, errors,
  };
}
