/**
 * restoreVerification: restore-tests a runbook (or a tier or resource selection), one child workflow
 * per resource with bounded parallelism, so each child's history stays small and a failure in one
 * resource never stops the others. Cancelling it cancels the children, which clean up.
 */
import { CancellationScope, defineQuery, setHandler, startChild, workflowInfo, type ChildWorkflowHandle } from '@temporalio/workflow';
import type { Runbook } from '../runbooks/schema';
import { EvidenceRecorder, EvidenceRefusal, type EvidenceSummary } from './evidence';
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
  /** This run's own evidence chain (each child has its own, named in its result). */
  evidence?: EvidenceSummary;
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

  const ev = new EvidenceRecorder({ runbook: input.runbook, runbookSha256: input.runbookSha256, workflowId: info.workflowId, kind: 'restore-verification', taskQueuePrefix: input.taskQueuePrefix });
  ev.started(input.initiator, { tiers: input.tiers, resources: ids, parallelism: limit, children: children.map((c) => ({ resource: c.resource, runId: c.workflowId })) });
  const refused = await ev.flushOrRefuse().then(() => undefined, (err: unknown) => {
    if (err instanceof EvidenceRefusal) return err.message;
    throw err;
  });
  if (refused) {
    // No child starts: each would be refused by the same store.
    for (const c of children) c.status = 'REFUSED';
    return {
      kind: 'restore-verification', workflowId: info.workflowId, runbook: { name: input.runbook.metadata.name, sha256: input.runbookSha256 },
      initiator: input.initiator, startedAt: info.startTime.toISOString(), endedAt: new Date().toISOString(), status: 'FAILED',
      results: [], errors: ids.map((resource) => ({ resource, error: refused })), evidence: ev.summary(),
    };
  }
  await ev.notify('run-started', `restore verification of ${ids.length} resource(s) of ${input.runbook.metadata.name} started by ${input.initiator}`);

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
        ev.event('child.result', { resource: result.resource, tier: result.tier, runId: result.workflowId, status: result.status, reasons: result.reasons, rta: result.measurements.rta.verdict, rpa: result.measurements.rpa.verdict, dataRpa: result.measurements.dataRpa.verdict, evidenceHead: result.evidence?.head ?? null, evidenceEvents: result.evidence?.stored ?? null });
      } catch (err) {
        child.status = 'ERROR';
        errors.push({ resource: child.resource, error: failureMessage(err) });
        ev.event('child.result', { resource: child.resource, runId: child.workflowId, status: 'ERROR', error: failureMessage(err) });
      }
    })().finally(() => running.delete(p));
    running.add(p);
  }
  await Promise.all(running);
  results.sort((a, b) => ids.indexOf(a.resource) - ids.indexOf(b.resource));
  const cancelled = results.some((r) => r.status === 'CANCELLED');
  let status: RestoreVerificationResult['status'] = cancelled ? 'CANCELLED' : errors.length === 0 && results.every((r) => r.status === 'PASSED') ? 'PASSED' : 'FAILED';
  const notPassed = results.filter((r) => r.status !== 'PASSED').map((r) => `${r.resource} ${r.status}`).concat(errors.map((e) => `${e.resource} ERROR`));
  await CancellationScope.nonCancellable(async () => {
    await ev.notify('run-finished', `restore verification of ${input.runbook.metadata.name}: ${status}${notPassed.length ? ` (${notPassed.join(', ')})` : ''}`);
    ev.ended(status, notPassed);
    if (!(await ev.tryFlush()) && status === 'PASSED') status = 'FAILED';
  });
  return {
    kind: 'restore-verification', workflowId: info.workflowId, runbook: { name: input.runbook.metadata.name, sha256: input.runbookSha256 },
    initiator: input.initiator, startedAt: info.startTime.toISOString(), endedAt: new Date().toISOString(),
    status, results, errors, evidence: ev.summary(),
  };
}
