/**
 * restoreTest: one resource's isolated restore verification. Pick a recovery point, bring it into the
 * isolated account, prove the network is isolated, restore, validate with SQL, measure, and always
 * clean up and scan for leaks, on success, failure and cancellation alike.
 */
import { CancellationScope, defineQuery, isCancellation, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { RestoreTestActivities } from '../activities/restore-test';
import type { AccountRef, CheckResult, CopyResult, RecoveryPointCandidate, RestoreResult, Scope } from '../activities/types';
import { measureRestore, type RestoreMeasurements } from '../runbooks/measure';
import { runKey as deriveRunKey } from '../runbooks/naming';
import { productionAlias, regionOf, restoreTargetOf } from '../runbooks/plan';
import type { Resource, Runbook, Tier } from '../runbooks/schema';
import { callsOf, EvidenceRecorder, EvidenceRefusal, type EvidenceSummary } from './evidence';
import { accountQueue } from './queues';
import { failureMessage, StepLog, type StepRecord } from './steps';

export interface RestoreTestInput {
  runbook: Runbook;
  runbookSha256: string;
  resourceId: string;
  /** Who or what started it: an operator's name or `schedule:<id>`. */
  initiator: string;
  taskQueuePrefix?: string;
}

export type RestoreTestStatus = 'PASSED' | 'FAILED' | 'REFUSED' | 'CANCELLED';

/** The run's record: what evidence and reports are built from. No secret ever enters it. */
export interface RestoreTestResult {
  kind: 'restore-test';
  workflowId: string;
  runKey: string;
  runbook: { name: string; sha256: string };
  tier: string;
  resource: string;
  initiator: string;
  startedAt: string;
  endedAt: string;
  status: RestoreTestStatus;
  reasons: string[];
  source: { account: string; accountId: string; region: string; instance: string };
  target: { account: string; accountId: string; region: string; subnetGroup: string; securityGroups: string[] };
  recoveryPoint?: RecoveryPointCandidate & { copiedArn?: string };
  restored?: RestoreResult;
  created: string[];
  validation?: { passed: boolean; checks: CheckResult[]; newestRow: string | null; validatedAt: string; endpoint: string };
  objectives: { rto: string; rpo: string };
  measurements: RestoreMeasurements;
  cleanup: { deleted: string[]; problems: string[] };
  leakScan: { leaks: string[]; scanned: number };
  steps: StepRecord[];
  /** The run's evidence chain: where it is, how long, its head (no content). */
  evidence?: EvidenceSummary;
}

export interface RestoreTestProgress {
  status: 'running' | RestoreTestStatus;
  resource: string;
  steps: StepRecord[];
}

export const restoreTestProgress = defineQuery<RestoreTestProgress>('progress');

function findResource(rb: Runbook, id: string): { tier: Tier; res: Resource } {
  for (const tier of rb.tiers) for (const res of tier.resources) if (res.id === id) return { tier, res };
  throw new Error(`resource ${id} is not in runbook ${rb.metadata.name}`);
}

function accountRef(rb: Runbook, alias: string): AccountRef {
  const a = rb.accounts[alias];
  return { alias, id: a.id, role: a.role, externalId: a.externalId };
}

export async function restoreTest(input: RestoreTestInput): Promise<RestoreTestResult> {
  const info = workflowInfo();
  const rb = input.runbook;
  const { tier, res } = findResource(rb, input.resourceId);
  const from = res.restoreTest!.from;
  const target = restoreTargetOf(rb, res);
  const key = deriveRunKey(info.workflowId);
  const startedAt = info.startTime.toISOString();
  const srcAlias = res.account ?? productionAlias(rb);
  const src: Scope = { runKey: key, workflowId: info.workflowId, runbook: rb.metadata.name, account: accountRef(rb, srcAlias), region: regionOf(rb, res.region, 'primary') };
  const tgt: Scope = { ...src, account: accountRef(rb, target.account), region: regionOf(rb, target.region, 'primary') };
  const instance = res.rds.instance ?? res.rds.cluster!;

  const acts = (scope: Scope, long = false) =>
    proxyActivities<RestoreTestActivities>({
      taskQueue: accountQueue(scope.account.id, input.taskQueuePrefix),
      startToCloseTimeout: long ? '3h' : '10m',
      heartbeatTimeout: long ? '15s' : undefined,
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 6 },
    });

  const log = new StepLog();
  const at = (scope: Scope) => ({ account: scope.account.alias, accountId: scope.account.id, region: scope.region });
  log.add({ id: 'select-recovery-point', kind: 'select-recovery-point', ...at(src) });
  log.add({ id: 'isolation-guard', kind: 'isolation-guard', ...at(tgt) });
  if (from.snapshots) log.add({ id: 'share', kind: 'share', ...at(src) });
  log.add({ id: 'copy', kind: 'copy', ...(from.backupVault ? at(src) : at(tgt)) });
  log.add({ id: 'restore', kind: 'restore', ...at(tgt) });
  log.add({ id: 'validate', kind: 'validate', ...at(tgt) });
  log.add({ id: 'cleanup', kind: 'cleanup', ...at(tgt) });
  log.add({ id: 'leak-scan', kind: 'leak-scan', ...at(tgt) });

  let status: RestoreTestStatus | 'running' = 'running';
  setHandler(restoreTestProgress, () => ({ status, resource: res.id, steps: log.steps }));

  // Evidence: one chain per run. Inside a restore verification the parent announces start and end.
  const ev = new EvidenceRecorder({ runbook: rb, runbookSha256: input.runbookSha256, workflowId: info.workflowId, kind: 'restore-test', taskQueuePrefix: input.taskQueuePrefix });
  const parent = info.parent?.workflowId;
  const where = (scope: Scope) => ({ account: scope.account.alias, accountId: scope.account.id, region: scope.region });
  ev.started(input.initiator, { parent, tier: tier.name, resource: res.id, source: { ...where(src), instance }, target: { ...where(tgt), subnetGroup: target.subnetGroup, securityGroups: target.securityGroups }, recoverFrom: from, objectives: tier.objectives });

  const reasons: string[] = [];
  const created: string[] = [];
  let chosen: RecoveryPointCandidate | undefined;
  let copy: CopyResult | undefined;
  let stagedSnapshotId: string | undefined;
  let restored: RestoreResult | undefined;
  let validation: RestoreTestResult['validation'];

  try {
    await ev.flushOrRefuse(); // nothing acts before the evidence store has accepted the run
    if (!parent) await ev.notify('run-started', `restore test of ${res.id} (${rb.metadata.name}) started by ${input.initiator}`);
    const pick = await log.run('select-recovery-point', () =>
      acts(src).selectRecoveryPoint({ ...src, source: { instance, backupVault: from.backupVault, snapshots: from.snapshots }, pick: from.pick, within: from.within, now: startedAt, seed: info.workflowId }),
      (p) => (p.ok ? `${p.chosen!.arn} from ${p.chosen!.createdAt} (${p.considered} considered)` : p.reason!));
    if (!pick.ok) {
      ev.event('recovery-point.none', { resource: res.id, ...where(src), considered: pick.considered, reason: pick.reason, pick: from.pick, within: from.within });
      reasons.push(`RPO breached: ${pick.reason}`);
      status = 'FAILED';
    } else {
      chosen = pick.chosen!;
      ev.event('recovery-point.chosen', { resource: res.id, ...where(src), ...chosen, considered: pick.considered, pick: from.pick, within: from.within });
      const isolation = await log.run('isolation-guard', () => acts(tgt).checkIsolation({
        ...tgt, target: { ...target },
        isolatedAccountIds: Object.values(rb.accounts).filter((a) => a.isolated && !a.production).map((a) => a.id),
        productionAccountIds: Object.values(rb.accounts).filter((a) => a.production).map((a) => a.id),
      }), (r) => (r.isolated ? `isolated: VPC ${r.vpcId}` : r.problems.join('; ')));
      ev.event('preflight', { check: 'isolation', ...where(tgt), subnetGroup: target.subnetGroup, isolated: isolation.isolated, vpcId: isolation.vpcId, securityGroupIds: isolation.securityGroupIds, problems: isolation.problems });
      if (!isolation.isolated) {
        log.get('isolation-guard').status = 'failed';
        reasons.push(...isolation.problems.map((p) => `not isolated: ${p}`));
        status = 'REFUSED';
      } else {
        if (from.snapshots) {
          const shared = await log.run('share', () => acts(src, true).shareSnapshot({ ...src, resourceId: res.id, snapshot: chosen!, targetAccountId: tgt.account.id }), (s) => `shared ${s.sharedSnapshotArn}`);
          stagedSnapshotId = shared.stagedSnapshotId;
          created.push(shared.sharedSnapshotArn);
          ev.event('action', { step: 'share', ...where(src), operation: 'rds:CopyDBSnapshot+ModifyDBSnapshotAttribute', resourceArn: shared.sharedSnapshotArn, sourceArn: chosen.arn, sharedWith: tgt.account.id, calls: callsOf(shared) });
          copy = await log.run('copy', () => acts(tgt, true).copySnapshot({ ...tgt, resourceId: res.id, sourceSnapshotArn: shared.sharedSnapshotArn, kmsKey: target.kmsKey }), (c) => c.arn);
          ev.event('action', { step: 'copy', ...where(tgt), operation: 'rds:CopyDBSnapshot', resourceArn: copy.arn, sourceArn: shared.sharedSnapshotArn, kmsKey: target.kmsKey, startedAt: copy.startedAt, completedAt: copy.completedAt, calls: callsOf(copy) });
        } else {
          if (!target.vault) throw new Error(`restore target of ${res.id} has no "vault" for the AWS Backup copy`);
          copy = await log.run('copy', () => acts(src, true).copyRecoveryPoint({ ...src, resourceId: res.id, recoveryPointArn: chosen!.arn, sourceVault: from.backupVault!, targetAccountId: tgt.account.id, targetRegion: tgt.region, targetVault: target.vault! }), (c) => c.arn);
          ev.event('action', { step: 'copy', ...where(src), operation: 'backup:StartCopyJob', resourceArn: copy.arn, sourceArn: chosen.arn, jobId: copy.jobId, targetVault: target.vault, startedAt: copy.startedAt, completedAt: copy.completedAt, calls: callsOf(copy) });
        }
        created.push(copy.arn);
        restored = await log.run('restore', () => acts(tgt, true).restore({
          ...tgt, resourceId: res.id, target: { ...target }, securityGroupIds: isolation.securityGroupIds,
          from: copy!.snapshotId ? { snapshotId: copy!.snapshotId } : { recoveryPointArn: copy!.arn },
        }), (r) => `${r.arn} (${r.timestampSource})`);
        created.push(restored.arn);
        ev.event('action', { step: 'restore', ...where(tgt), operation: restored.restoreJobId ? 'backup:StartRestoreJob' : 'rds:RestoreDBInstanceFromDBSnapshot', resourceArn: restored.arn, jobId: restored.restoreJobId, startedAt: restored.startedAt, completedAt: restored.completedAt, timestampSource: restored.timestampSource, calls: callsOf(restored) });
        await ev.tryFlush(); // milestone: the restore exists
        if (res.validate?.length && res.credentials) {
          const v = await log.run('validate', () => acts(tgt).validate({ ...tgt, identifier: restored!.identifier, secret: res.credentials!.secret, database: res.credentials!.database, checks: res.validate! }),
            (r) => r.checks.map((c) => `${c.passed ? 'ok' : 'FAILED'} ${c.name}: ${c.detail}`).join('; '));
          validation = v;
          for (const c of v.checks) ev.event('validation', { resource: res.id, check: c.name, sql: c.sql, passed: c.passed, value: c.value, detail: c.detail, durationMs: c.durationMs, freshness: c.freshness, endpoint: v.endpoint, validatedAt: v.validatedAt });
          for (const c of v.checks.filter((x) => !x.passed)) reasons.push(`check "${c.name}" failed: ${c.detail}`);
          if (restored.restoreJobId) {
            await acts(tgt).reportRestoreValidation({ ...tgt, restoreJobId: restored.restoreJobId, passed: v.passed, message: v.passed ? 'drctl: all checks passed' : reasons.join('; ') });
            ev.event('action', { step: 'validate', ...where(tgt), operation: 'backup:PutRestoreValidationResult', jobId: restored.restoreJobId, passed: v.passed });
          }
        } else {
          log.skip('validate', 'the runbook declares no validation checks');
          ev.event('validation', { resource: res.id, skipped: 'the runbook declares no validation checks' });
          reasons.push('no validation checks declared: the restore is not proven');
        }
      }
    }
  } catch (err) {
    if (isCancellation(err)) {
      status = 'CANCELLED';
      reasons.push('cancelled');
    } else if (err instanceof EvidenceRefusal) {
      status = 'REFUSED';
      reasons.push(err.message);
    } else {
      status = 'FAILED';
      reasons.push(`step failed: ${failureMessage(err)}`);
    }
  }
  for (const s of log.steps.filter((x) => x.status === 'failed' || x.status === 'cancelled')) ev.event('step.failed', { step: s.id, account: s.account, accountId: s.accountId, region: s.region, status: s.status, error: s.detail });

  for (const s of log.steps) if (s.id !== 'cleanup' && s.id !== 'leak-scan') log.skip(s.id, 'not reached');

  // Cleanup runs whatever happened above, and cannot be cancelled.
  let cleanup = { deleted: [] as string[], problems: [] as string[] };
  let leakScan = { leaks: [] as string[], scanned: 0 };
  await CancellationScope.nonCancellable(async () => {
    try {
      cleanup = await log.run('cleanup', () => acts(tgt, true).cleanup({
        ...tgt, resourceId: res.id, source: { account: src.account, region: src.region }, targetVault: target.vault,
        known: { restoredIdentifier: restored?.identifier, copiedSnapshotId: copy?.snapshotId, copiedRecoveryPointArn: copy && !copy.snapshotId ? copy.arn : undefined, stagedSnapshotId, restoreJobId: restored?.restoreJobId },
      }), (c) => `deleted ${c.deleted.length}${c.problems.length ? `; ${c.problems.join('; ')}` : ''}`);
    } catch (err) {
      cleanup.problems.push(`cleanup failed: ${failureMessage(err)}`);
    }
    try {
      const scans = [acts(tgt).leakScan({ ...tgt, vault: target.vault, arns: created })];
      if (from.snapshots) scans.push(acts(src).leakScan({ ...src, arns: [] }));
      const results = await log.run('leak-scan', () => Promise.all(scans), (r) => `${r.reduce((n, x) => n + x.leaks.length, 0)} leak(s) in ${r.reduce((n, x) => n + x.scanned, 0)} resources`);
      leakScan = { leaks: results.flatMap((r) => r.leaks), scanned: results.reduce((n, r) => n + r.scanned, 0) };
    } catch (err) {
      leakScan.leaks.push(`leak scan failed: ${failureMessage(err)}`);
    }
  });
  ev.event('cleanup', { ...where(tgt), deleted: cleanup.deleted, problems: cleanup.problems, calls: callsOf(cleanup) });
  ev.event('leak-scan', { ...where(tgt), leaks: leakScan.leaks, scanned: leakScan.scanned });
  for (const p of cleanup.problems) reasons.push(`cleanup: ${p}`);
  for (const l of leakScan.leaks) reasons.push(`LEAK: ${l} is still there after cleanup`);

  const measurements = measureRestore(
    { start: startedAt, recoveryPoint: chosen?.createdAt, newestRow: validation?.newestRow, restoreStart: restored?.startedAt, restoreDone: restored?.completedAt, validated: validation?.passed ? validation.validatedAt : null },
    tier.objectives,
  );
  if (status === 'running') {
    if (measurements.rpa.verdict === 'breached') reasons.push('RPO breached by the recovery point\'s age');
    if (measurements.dataRpa.verdict === 'breached') reasons.push('RPO breached by the newest restored row');
    if (measurements.rta.verdict === 'breached') reasons.push('RTO breached');
    status = reasons.length === 0 ? 'PASSED' : 'FAILED';
  } else if (status !== 'CANCELLED' && status !== 'REFUSED') {
    status = 'FAILED';
  }
  let final: RestoreTestStatus = status;
  const breached = (['rta', 'rpa', 'dataRpa'] as const).filter((m) => measurements[m].verdict === 'breached');
  ev.event('measurement', { resource: res.id, tier: tier.name, objectives: tier.objectives, rta: measurements.rta, rpa: measurements.rpa, dataRpa: measurements.dataRpa, restoreDurationMs: measurements.restoreDurationMs, breached });
  // The end of the chain is written whatever happened, cancellation included.
  await CancellationScope.nonCancellable(async () => {
    const failed = log.steps.filter((x) => x.status === 'failed');
    if (failed.length) await ev.notify('step-failed', `restore test ${info.workflowId}: ${failed.map((x) => `${x.id} failed in ${x.accountId} ${x.region}: ${x.detail ?? ''}`).join('; ')}`.slice(0, 500));
    if (breached.length) await ev.notify('objective-breached', `${res.id} (${tier.name}) breached ${breached.join(', ')} in restore test ${info.workflowId}`);
    if (!parent) await ev.notify('run-finished', `restore test of ${res.id} (${rb.metadata.name}): ${final}${reasons.length ? ` (${reasons[0]}${reasons.length > 1 ? ` and ${reasons.length - 1} more` : ''})` : ''}`);
    ev.ended(final, reasons);
    if (!(await ev.tryFlush()) && final === 'PASSED') {
      final = 'FAILED';
      reasons.push(ev.problems[ev.problems.length - 1]);
    }
  });
  status = final;
  return {
    kind: 'restore-test', workflowId: info.workflowId, runKey: key, runbook: { name: rb.metadata.name, sha256: input.runbookSha256 },
    tier: tier.name, resource: res.id, initiator: input.initiator, startedAt, endedAt: new Date().toISOString(), status: final, reasons,
    source: { account: src.account.alias, accountId: src.account.id, region: src.region, instance },
    target: { account: tgt.account.alias, accountId: tgt.account.id, region: tgt.region, subnetGroup: target.subnetGroup, securityGroups: target.securityGroups },
    recoveryPoint: chosen ? { ...chosen, copiedArn: copy?.arn } : undefined, restored, created, validation,
    objectives: tier.objectives, measurements, cleanup, leakScan, steps: log.steps, evidence: ev.summary(),
  };
}
