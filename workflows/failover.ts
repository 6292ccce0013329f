/**
 * failover: a runbook's tiered failover as a drill (copies on the recovery side, production never
 * written) or an incident (live, behind approvals). Steps run as soon as their own dependencies are
 * done (the plan's DAG, not layer barriers). Operators approve, pause, resume, abort, retry and skip
 * through updates; a query returns live progress. A drill always cleans up; an incident records what
 * is live and rolls nothing back.
 */
import {
  CancellationScope, condition, defineQuery, defineUpdate, isCancellation, proxyActivities, setHandler, workflowInfo,
} from '@temporalio/workflow';
import type { FailoverActivities, InstanceResult, PreflightCheck } from '../activities/failover';
import type { RestoreTestActivities } from '../activities/restore-test';
import type { AccountRef, CheckResult, Scope } from '../activities/types';
import { against } from '../runbooks/measure';
import { runKey as deriveRunKey } from '../runbooks/naming';
import { compilePlan, productionAlias, recoveryTargetOf, regionOf, type PlanStep } from '../runbooks/plan';
import type { RecoveryPointCandidate } from '../runbooks/recovery-points';
import type { Resource, Runbook, Tier } from '../runbooks/schema';
import type {
  ApprovalRecord, FailoverInput, FailoverProgress, FailoverResult, ResourceOutcome, StepResult, TierOutcome, TrafficOutcome,
} from './failover-types';
import { accountQueue } from './queues';
import { callsOf, EvidenceRecorder, EvidenceRefusal } from './evidence';
import { failureMessage } from './steps';

export interface ApproveArgs {
  approver: string;
  /** Gate to approve; default: the gate waiting now. */
  gate?: string;
  comment?: string;
}
export interface ApproveAck {
  gate: string;
  have: number;
  needed: number;
}
export type ControlAction = 'pause' | 'resume' | 'abort' | 'retry' | 'skip';
export interface ControlArgs {
  action: ControlAction;
  by: string;
  step?: string;
  reason?: string;
}

export const approveUpdate = defineUpdate<ApproveAck, [ApproveArgs]>('approve');
export const controlUpdate = defineUpdate<string, [ControlArgs]>('control');
export const failoverProgress = defineQuery<FailoverProgress>('progress');
/** The run's input (its pinned runbook): what a failback starts from. */
export const failoverInput = defineQuery<FailoverInput>('input');

const TERMINAL = new Set(['done', 'skipped', 'failed', 'cancelled']);
const DONE = new Set(['done', 'skipped']);

export function accountRef(rb: Runbook, alias: string): AccountRef {
  const a = rb.accounts[alias];
  return { alias, id: a.id, role: a.role, externalId: a.externalId };
}

export function findResource(rb: Runbook, id: string): { tier: Tier; res: Resource } {
  for (const tier of rb.tiers) for (const res of tier.resources) if (res.id === id) return { tier, res };
  throw new Error(`resource ${id} is not in runbook ${rb.metadata.name}`);
}

/** What a resource's recovery produced: the live copy and the time of its data. */
interface Recovered extends InstanceResult {
  account: string;
  region: string;
}

export async function failover(input: FailoverInput): Promise<FailoverResult> {
  const info = workflowInfo();
  const rb = input.runbook;
  const mode = input.mode;
  const key = deriveRunKey(info.workflowId);
  const plan = compilePlan(rb, mode, { tiers: input.tiers });
  const runStartedAt = info.startTime.toISOString();
  const tStart = input.incident?.declaredAt ?? runStartedAt;
  const recovery = recoveryTargetOf(rb);
  const purpose = mode === 'drill' ? 'drill' : 'dr';
  const onFailure = input.onFailure ?? 'continue';
  const ev = new EvidenceRecorder({ runbook: rb, runbookSha256: input.runbookSha256, workflowId: info.workflowId, kind: mode, taskQueuePrefix: input.taskQueuePrefix });

  const scope = (alias: string, region: string): Scope => ({ runKey: key, workflowId: info.workflowId, runbook: rb.metadata.name, account: accountRef(rb, alias), region });
  const options = (s: Scope, long: boolean) => ({
    taskQueue: accountQueue(s.account.id, input.taskQueuePrefix),
    startToCloseTimeout: long ? '3h' : '10m',
    heartbeatTimeout: long ? '15s' : undefined,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
  } as const);
  const fo = (s: Scope, long = true) => proxyActivities<FailoverActivities>(options(s, long));
  const rt = (s: Scope) => proxyActivities<RestoreTestActivities>(options(s, false));

  // Step state, approvals and operator control.
  const steps = new Map<string, StepResult>(plan.steps.map((s) => [s.id, { id: s.id, kind: s.kind, tier: s.tier, resource: s.resource, account: s.account, accountId: s.accountId, region: s.region, effect: s.effect, dependsOn: s.dependsOn, status: 'pending', attempts: 0 }]));
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const approvals: ApprovalRecord[] = [];
  const reasons: string[] = [];
  let paused = false;
  let aborting: string | undefined;
  let version = 0;
  const bump = () => void version++;
  const now = () => new Date().toISOString();

  const recovered = new Map<string, Recovered>();
  const snapshots = new Map<string, { snapshotId: string; arn: string; createdAt: string }>();
  const chosen = new Map<string, RecoveryPointCandidate>();
  const tierChecks = new Map<string, Array<CheckResult & { resource: string }>>();
  const tierValidatedAt = new Map<string, string>();
  const newestRows = new Map<string, string | null>();
  const traffic = new Map<string, TrafficOutcome>();
  const stepCalls = new Map<string, ReturnType<typeof callsOf>>();
  let preflightProblems: string[] = [];

  const gates = plan.steps.filter((s) => s.kind === 'approval');
  const approvedBy = (gate: string) => approvals.filter((a) => a.gate === gate);
  const needed = (gate: string) => byId.get(gate)?.gate?.approvers ?? 1;
  const policyOf = (gate: string) => rb.approvals?.[byId.get(gate)?.gate?.policy as 'incident'];

  setHandler(approveUpdate, (a) => {
    const gate = a.gate ?? waitingGate()!;
    approvals.push({ gate, approver: a.approver, at: now(), comment: a.comment });
    ev.event('approval', { gate, identity: a.approver, at: now(), comment: a.comment, have: approvedBy(gate).length, needed: needed(gate) }, a.approver);
    bump();
    return { gate, have: approvedBy(gate).length, needed: needed(gate) };
  }, {
    validator: (a) => {
      const gate = a.gate ?? waitingGate();
      if (!gate) throw new Error('no approval gate is waiting');
      if (!gates.some((g) => g.id === gate)) throw new Error(`unknown gate "${gate}" (gates: ${gates.map((g) => g.id).join(', ')})`);
      if (!a.approver?.trim()) throw new Error('an approval needs the approver\'s identity');
      if (a.approver === input.initiator) throw new Error(`${a.approver} started this run and cannot approve it`);
      const allowed = policyOf(gate)?.allowed;
      if (allowed && !allowed.includes(a.approver)) throw new Error(`${a.approver} is not allowed to approve (allowed: ${allowed.join(', ')})`);
      if (approvedBy(gate).some((x) => x.approver === a.approver)) throw new Error(`${a.approver} has already approved ${gate}`);
      if (approvedBy(gate).length >= needed(gate)) throw new Error(`${gate} is already approved`);
      if (aborting) throw new Error('the run is aborting');
    },
  });

  setHandler(controlUpdate, (c) => {
    const s = c.step ? steps.get(c.step) : undefined;
    switch (c.action) {
      case 'pause': paused = true; break;
      case 'resume': paused = false; break;
      case 'abort': aborting = `aborted by ${c.by}${c.reason ? `: ${c.reason}` : ''}`; break;
      case 'retry': s!.status = 'pending'; s!.detail = `retry requested by ${c.by}`; break;
      case 'skip': s!.status = 'skipped'; s!.skipped = { by: c.by, reason: c.reason!, at: now() }; s!.detail = `skipped by ${c.by}: ${c.reason}`; break;
    }
    ev.event('operator', { action: c.action, step: c.step, reason: c.reason, at: now() }, c.by);
    bump();
    return `${c.action}${c.step ? ` ${c.step}` : ''}: ok`;
  }, {
    validator: (c) => {
      if (!c.by?.trim()) throw new Error('a control action needs the operator\'s identity');
      if (aborting && c.action !== 'abort') throw new Error('the run is aborting');
      if (c.action === 'retry' || c.action === 'skip') {
        const s = c.step ? steps.get(c.step) : undefined;
        if (!s) throw new Error(`unknown step "${c.step}"`);
        if (c.action === 'retry' && s.status !== 'failed') throw new Error(`step ${s.id} is ${s.status}, not failed`);
        if (c.action === 'skip') {
          if (!c.reason?.trim()) throw new Error('skipping a step needs a reason');
          if (s.kind === 'approval') throw new Error('an approval gate cannot be skipped');
          if (['cleanup', 'leak-scan', 'preflight'].includes(s.kind)) throw new Error(`${s.kind} cannot be skipped`);
          if (!['pending', 'failed', 'blocked'].includes(s.status)) throw new Error(`step ${s.id} is ${s.status}; only pending, blocked or failed steps can be skipped`);
        }
      }
    },
  });

  function waitingGate(): string | undefined {
    return [...steps.values()].find((s) => s.status === 'waiting-approval')?.id;
  }

  function refreshBlocked(): void {
    for (const s of steps.values()) {
      if (s.status !== 'pending' && s.status !== 'blocked') continue;
      const stuck = s.dependsOn.some((d) => ['failed', 'blocked', 'cancelled'].includes(steps.get(d)!.status));
      s.status = stuck ? 'blocked' : 'pending';
    }
  }

  const tierStatus = (t: Tier): TierOutcome['status'] => {
    const own = [...steps.values()].filter((s) => s.tier === t.name);
    const validate = steps.get(`${t.name}/validate`)?.status;
    if (validate === 'done') return 'validated';
    if (validate === 'skipped') return 'skipped';
    if (own.some((s) => s.status === 'failed')) return 'failed';
    if (own.every((s) => s.status === 'skipped')) return 'skipped';
    if (own.some((s) => s.status === 'blocked')) return 'blocked';
    return own.some((s) => s.status !== 'pending') ? 'running' : 'pending';
  };

  const tierOutcomes = (): TierOutcome[] =>
    rb.tiers.filter((t) => plan.steps.some((s) => s.tier === t.name)).map((t) => {
      const validatedAt = tierValidatedAt.get(t.name);
      const started = [...steps.values()].filter((s) => s.tier === t.name && s.startedAt).map((s) => s.startedAt!).sort()[0];
      const resources: ResourceOutcome[] = t.resources.map((res) => {
        const r = recovered.get(res.id);
        const rpaMs = r?.recoveryPointTime ? Math.max(0, Date.parse(tStart) - Date.parse(r.recoveryPointTime)) : null;
        const newest = newestRows.get(res.id);
        return {
          id: res.id, tier: t.name, action: mode === 'drill' ? `drill copy (${actionOf(res)} in an incident)` : actionOf(res), account: r?.account ?? '', accountId: r ? rb.accounts[r.account].id : '', region: r?.region ?? '',
          identifier: r?.identifier, arn: r?.arn, recoveryPointTime: r?.recoveryPointTime, recoveryPointSource: r?.recoveryPointSource,
          rpa: against(rpaMs, t.objectives.rpo), dataRpa: against(newest ? Math.max(0, Date.parse(tStart) - Date.parse(newest)) : null, t.objectives.rpo), newestRow: newest,
        };
      });
      return {
        name: t.name, objectives: t.objectives, status: tierStatus(t), startedAt: started, validatedAt,
        rta: against(validatedAt ? Date.parse(validatedAt) - Date.parse(tStart) : null, t.objectives.rto), resources, checks: tierChecks.get(t.name) ?? [],
      };
    });

  setHandler(failoverInput, () => input);
  setHandler(failoverProgress, (): FailoverProgress => ({
    kind: mode,
    status: aborting ? 'running' : waitingGate() ? 'waiting-approval' : paused ? 'paused' : [...steps.values()].some((s) => s.status === 'failed') && ![...steps.values()].some((s) => s.status === 'running') ? 'waiting-operator' : 'running',
    paused, approvals,
    waitingGates: gates.filter((g) => steps.get(g.id)!.status === 'waiting-approval').map((g) => ({ gate: g.id, needed: needed(g.id), have: approvedBy(g.id).length })),
    tiers: tierOutcomes(), steps: [...steps.values()],
  }));

  /** What each kind of step does. Returns a one-line detail for the step record. */
  async function execute(p: PlanStep): Promise<string> {
    const s = scope(p.account, p.region);
    const res = p.resource ? findResource(rb, p.resource).res : undefined;
    switch (p.kind) {
      case 'preflight': {
        preflightProblems = await runPreflight();
        if (preflightProblems.length) throw new Error(`preflight found ${preflightProblems.length} problem(s): ${preflightProblems.join('; ')}`);
        return 'every role assumed; every resource found';
      }
      case 'approval': {
        steps.get(p.id)!.status = 'waiting-approval';
        bump();
        await ev.notify('approval-needed', `${mode} ${info.workflowId} (${rb.metadata.name}) waits at ${p.id} for ${needed(p.id)} approver(s), not ${input.initiator}`);
        const ok = await condition(() => approvedBy(p.id).length >= needed(p.id) || aborting !== undefined, p.gate!.timeoutMs);
        if (!ok) {
          aborting = `approval ${p.id} timed out after ${p.gate!.timeoutMs / 1000}s (${approvedBy(p.id).length}/${needed(p.id)} approvals)`;
          throw new Error(aborting);
        }
        if (aborting) throw new Error(aborting);
        return `approved by ${approvedBy(p.id).map((a) => a.approver).join(', ')}`;
      }
      case 'snapshot': {
        const replica = res!.failover?.promoteReplica?.instance;
        if (res!.rds.cluster) throw new Error('drill copies of Aurora clusters are not implemented yet');
        const snap = await fo(s).snapshotInstance({ ...s, instance: replica ?? res!.rds.instance!, resourceId: res!.id, purpose });
        snapshots.set(res!.id, snap);
        stepCalls.set(p.id, callsOf(snap));
        return `${snap.arn} at ${snap.createdAt}`;
      }
      case 'share': {
        stepCalls.set(p.id, callsOf(await fo(s, false).shareOwnSnapshot({ ...s, snapshotId: snapshots.get(res!.id)!.snapshotId, withAccountId: rb.accounts[recovery.account].id })));
        return `shared with ${recovery.account}`;
      }
      case 'copy': {
        const copy = await fo(s).copyIn({ ...s, resourceId: res!.id, sourceArn: snapshots.get(res!.id)!.arn, kmsKey: recovery.kmsKey, purpose });
        stepCalls.set(p.id, callsOf(copy));
        chosen.set(res!.id, { arn: copy.arn, id: copy.snapshotId, createdAt: snapshots.get(res!.id)!.createdAt, kind: 'snapshot-manual', status: 'available' });
        return copy.arn;
      }
      case 'select-recovery-point': {
        const pick = res!.failover?.restoreSnapshot;
        const c = await fo(s, false).findSnapshotCopy({ ...s, instance: res!.rds.instance!, pick: pick?.pick ?? 'latest', within: pick?.within, now: runStartedAt, seed: info.workflowId });
        chosen.set(res!.id, c);
        return `${c.arn} from ${c.createdAt}`;
      }
      case 'restore': {
        const c = chosen.get(res!.id)!;
        const r = await fo(s).restoreFromSnapshot({ ...s, resourceId: res!.id, snapshotId: c.id!, snapshotTime: c.createdAt, subnetGroup: recovery.subnetGroup, securityGroups: recovery.securityGroups, purpose });
        recovered.set(res!.id, { ...r, account: p.account, region: p.region });
        stepCalls.set(p.id, callsOf(r));
        return `${r.arn}, data from ${r.recoveryPointTime}`;
      }
      case 'promote-replica': {
        const r = await fo(s).promoteReplica({ ...s, replica: res!.failover!.promoteReplica!.instance });
        recovered.set(res!.id, { ...r, account: p.account, region: p.region });
        stepCalls.set(p.id, callsOf(r));
        return `${r.arn} promoted; lag ${r.lagSeconds ?? '?'}s`;
      }
      case 'restore-point-in-time': {
        const r = await fo(s).restoreToPointInTime({ ...s, resourceId: res!.id, source: res!.rds.instance!, at: res!.failover!.restorePointInTime!.at, purpose });
        recovered.set(res!.id, { ...r, account: p.account, region: p.region });
        stepCalls.set(p.id, callsOf(r));
        return `${r.arn} restored to ${r.recoveryPointTime}`;
      }
      case 'cluster-failover': {
        const c = res!.failover!.clusterFailover!;
        const target = `arn:aws:rds:${p.region}:${p.accountId}:cluster:${c.targetCluster}`;
        stepCalls.set(p.id, callsOf(await fo(s).failoverGlobalCluster({ ...s, globalCluster: c.globalCluster, targetClusterArn: target })));
        recovered.set(res!.id, { identifier: c.targetCluster, arn: target, startedAt: now(), completedAt: now(), account: p.account, region: p.region });
        return `${c.globalCluster} now writes in ${c.targetCluster}`;
      }
      case 'validate':
        return validateTier(rb.tiers.find((t) => t.name === p.tier)!);
      case 'traffic': {
        const sw = rb.traffic!.find((t) => `traffic/${t.name}` === p.id)!;
        const out = await fo(s, false).switchTraffic({ ...s, zone: sw.route53.zone, record: sw.route53.record, type: sw.route53.type, value: sw.route53.recoveryValue, ttl: sw.route53.ttl, dryRun: mode === 'drill' });
        stepCalls.set(p.id, callsOf(out));
        traffic.set(sw.name, { name: sw.name, record: sw.route53.record, zone: sw.route53.zone, status: 'done', before: out.before, after: out.after, changeId: out.changeId });
        return mode === 'drill' ? `${sw.route53.record} is ${out.before}; would point to ${out.after ?? '(no recoveryValue)'} (not changed in a drill)` : `${sw.route53.record}: ${out.before} -> ${out.after}`;
      }
      default:
        throw new Error(`step kind ${p.kind} is not run by the executor`);
    }
  }

  async function validateTier(tier: Tier): Promise<string> {
    const checks: Array<CheckResult & { resource: string }> = [];
    let validatedAt = now();
    for (const res of tier.resources.filter((r) => plan.steps.some((s) => s.resource === r.id))) {
      const r = recovered.get(res.id);
      if (!r || !res.validate?.length || !res.credentials) continue;
      if (res.rds.cluster) continue; // cluster endpoints are validated by the application's own checks
      const s = scope(r.account, r.region);
      const v = await rt(s).validate({ ...s, identifier: r.identifier, secret: res.credentials.secret, database: res.credentials.database, checks: res.validate });
      checks.push(...v.checks.map((c) => ({ ...c, resource: res.id })));
      newestRows.set(res.id, v.newestRow);
      if (v.validatedAt > validatedAt) validatedAt = v.validatedAt;
    }
    tierChecks.set(tier.name, checks);
    const failed = checks.filter((c) => !c.passed);
    if (failed.length) throw new Error(`checks failed: ${failed.map((c) => `${c.resource} "${c.name}": ${c.detail}`).join('; ')}`);
    tierValidatedAt.set(tier.name, validatedAt);
    return checks.length ? `${checks.length} checks passed` : 'no checks declared';
  }

  async function runPreflight(): Promise<string[]> {
    const checks = preflightChecks(rb, plan.steps.map((s) => s.id), mode);
    const results = await Promise.all([...checks.entries()].map(([where, list]) => {
      const [alias, region] = where.split('|');
      const s = scope(alias, region);
      return fo(s, false).preflight({ ...s, checks: list }).catch((err) => ({ problems: [`${alias} ${region}: ${failureMessage(err)}`], checked: 0 }));
    }));
    return results.flatMap((r) => r.problems);
  }

  // The executor: start every ready step, wait for something to change, repeat.
  const scopes = new Map<string, CancellationScope>();
  const running = new Map<string, Promise<void>>();
  const tierRunning = (tier?: string) => [...running.keys()].filter((id) => steps.get(id)!.tier === tier && byId.get(id)!.resource).length;
  const executable = plan.steps.filter((s) => s.kind !== 'cleanup' && s.kind !== 'leak-scan');
  const start = (p: PlanStep) => {
    const rec = steps.get(p.id)!;
    rec.status = 'running';
    rec.startedAt = now();
    rec.endedAt = undefined;
    rec.attempts++;
    const cs = new CancellationScope();
    scopes.set(p.id, cs);
    const run = cs.run(() => execute(p)).then(
      (detail) => {
        rec.status = 'done';
        rec.detail = detail;
        ev.event(p.effect === 'gate' ? 'approval.granted' : 'action', { step: p.id, kind: p.kind, account: p.account, accountId: p.accountId, region: p.region, effect: p.effect, startedAt: rec.startedAt, endedAt: now(), attempt: rec.attempts, detail, calls: stepCalls.get(p.id) });
      },
      async (err) => {
        rec.status = isCancellation(err) ? 'cancelled' : 'failed';
        rec.detail = failureMessage(err);
        ev.event('step.failed', { step: p.id, kind: p.kind, account: p.account, accountId: p.accountId, region: p.region, status: rec.status, attempt: rec.attempts, error: rec.detail });
        if (rec.status === 'failed' && onFailure === 'pause') paused = true;
        if (rec.status === 'failed') await ev.notify('step-failed', `${mode} ${info.workflowId}: ${p.id} failed in ${p.accountId} ${p.region}: ${rec.detail}`.slice(0, 500));
      },
    ).finally(() => {
      rec.endedAt = now();
      running.delete(p.id);
      scopes.delete(p.id);
      bump();
    });
    running.set(p.id, run);
  };

  ev.started(input.initiator, { mode, incident: input.incident, tStart, tiers: plan.steps.filter((x) => x.kind === 'validate').map((x) => x.tier), steps: plan.steps.length });
  let refused: string | undefined;
  try {
    await ev.flushOrRefuse(); // nothing acts before the evidence store has accepted the run
    await ev.notify('run-started', `${mode} of ${rb.metadata.name} started by ${input.initiator}${input.incident ? ` for ${input.incident.id} (declared ${input.incident.declaredAt})` : ''}`);
  } catch (err) {
    if (!(err instanceof EvidenceRefusal)) throw err;
    refused = err.message;
    aborting = `refused: ${err.message}`;
  }

  for (;;) {
    refreshBlocked();
    if (aborting) break;
    const seen = version;
    if (!paused) {
      for (const p of executable) {
        const rec = steps.get(p.id)!;
        if (rec.status !== 'pending' || !p.dependsOn.every((d) => DONE.has(steps.get(d)!.status))) continue;
        const bound = p.tier ? rb.tiers.find((t) => t.name === p.tier)?.parallelism : undefined;
        if (bound && byId.get(p.id)!.resource && tierRunning(p.tier) >= bound) continue;
        start(p);
      }
    }
    // Preflight problems end the run before any change.
    if (steps.get('preflight')!.status === 'failed') {
      aborting = 'preflight failed';
      break;
    }
    const settled = executable.every((p) => TERMINAL.has(steps.get(p.id)!.status) || steps.get(p.id)!.status === 'blocked');
    if (settled && running.size === 0 && executable.every((p) => DONE.has(steps.get(p.id)!.status))) break;
    await condition(() => version !== seen);
  }

  // Abort: stop what runs (an approval wait ends at once), then record why.
  if (aborting) {
    reasons.push(aborting);
    for (const cs of scopes.values()) cs.cancel();
    await Promise.all(running.values());
  }
  for (const s of steps.values()) if (s.status === 'pending' || s.status === 'blocked') s.detail ??= 'not reached';

  let cleanup: FailoverResult['cleanup'];
  let cleanupCalls: NonNullable<ReturnType<typeof callsOf>> = [];
  let leakScan: FailoverResult['leakScan'];
  if (mode === 'drill') {
    await CancellationScope.nonCancellable(async () => {
      const places = drillPlaces(rb, plan.steps);
      const c = steps.get('cleanup')!;
      c.status = 'running';
      c.startedAt = now();
      c.attempts++;
      const results = await Promise.all(places.map(([alias, region]) => fo(scope(alias, region)).cleanupTagged(scope(alias, region)).catch((err) => ({ deleted: [], problems: [`${alias} ${region}: ${failureMessage(err)}`] }))));
      cleanup = { deleted: results.flatMap((r) => r.deleted), problems: results.flatMap((r) => r.problems) };
      cleanupCalls = results.flatMap((r) => callsOf(r) ?? []);
      c.status = cleanup.problems.length ? 'failed' : 'done';
      c.detail = `deleted ${cleanup.deleted.length}${cleanup.problems.length ? `; ${cleanup.problems.join('; ')}` : ''}`;
      c.endedAt = now();
      const l = [...steps.values()].find((x) => x.kind === 'leak-scan')!;
      l.status = 'running';
      l.startedAt = now();
      l.attempts++;
      const scans = await Promise.all(places.map(([alias, region]) => rt(scope(alias, region)).leakScan({ ...scope(alias, region), arns: [] }).catch((err) => ({ leaks: [`leak scan ${alias} ${region} failed: ${failureMessage(err)}`], scanned: 0 }))));
      leakScan = { leaks: scans.flatMap((x) => x.leaks), scanned: scans.reduce((n, x) => n + x.scanned, 0) };
      l.status = leakScan.leaks.length ? 'failed' : 'done';
      l.detail = `${leakScan.leaks.length} leak(s) in ${leakScan.scanned} resources`;
      l.endedAt = now();
    });
    for (const p of cleanup!.problems) reasons.push(`cleanup: ${p}`);
    for (const leak of leakScan!.leaks) reasons.push(`LEAK: ${leak} is still there after cleanup`);
  }

  const tiers = tierOutcomes();
  for (const t of tiers) {
    if (t.rta.verdict === 'breached') reasons.push(`tier ${t.name}: RTO breached (${t.rta.actualMs}ms > ${t.rta.objectiveMs}ms)`);
    for (const r of t.resources) if (r.rpa.verdict === 'breached') reasons.push(`resource ${r.id}: RPO breached`);
  }
  const failed = [...steps.values()].filter((s) => s.status === 'failed');
  for (const s of failed) if (!reasons.some((r) => r.includes(s.id))) reasons.push(`step ${s.id} failed: ${s.detail}`);
  const breaches = tiers.flatMap((t) => [t.rta.verdict === 'breached' ? `${t.name} RTO` : '', ...t.resources.flatMap((r) => [r.rpa.verdict === 'breached' ? `${r.id} RPO` : '', r.dataRpa.verdict === 'breached' ? `${r.id} data RPO` : ''])]).filter(Boolean);
  const objectivesMet = tiers.every((t) => t.status === 'validated') && tiers.every((t) => t.rta.verdict !== 'breached' && t.resources.every((r) => r.rpa.verdict !== 'breached' && r.dataRpa.verdict !== 'breached'));
  const status: FailoverResult['status'] = refused ? 'REFUSED' : aborting ? 'ABORTED' : failed.length || (leakScan?.leaks.length ?? 0) > 0 ? 'FAILED' : 'COMPLETED';
  const evidence = await CancellationScope.nonCancellable(async () => {
    for (const t of tiers) ev.event('measurement', { tier: t.name, objectives: t.objectives, rta: t.rta, validatedAt: t.validatedAt, resources: t.resources.map((r) => ({ id: r.id, recoveryPointTime: r.recoveryPointTime, recoveryPointSource: r.recoveryPointSource, rpa: r.rpa, dataRpa: r.dataRpa })) });
    if (cleanup) ev.event('cleanup', { deleted: cleanup.deleted, problems: cleanup.problems, calls: cleanupCalls });
    if (leakScan) ev.event('leak-scan', { leaks: leakScan.leaks, scanned: leakScan.scanned });
    if (breaches.length) await ev.notify('objective-breached', `${mode} ${info.workflowId} breached ${breaches.join(', ')}`);
    if (!refused) await ev.notify('run-finished', `${mode} of ${rb.metadata.name}: ${status}${objectivesMet ? ', every objective met' : ''}`);
    ev.ended(status, reasons, { objectivesMet });
    if (!refused && !(await ev.tryFlush())) reasons.push(`evidence: ${ev.problems[ev.problems.length - 1]}`);
    return ev.summary();
  });
  return {
    kind: mode, workflowId: info.workflowId, runKey: key, runbook: { name: rb.metadata.name, sha256: input.runbookSha256 }, initiator: input.initiator,
    incident: input.incident, startedAt: tStart, runStartedAt, endedAt: now(), status, objectivesMet, reasons, preflight: { problems: preflightProblems },
    approvals, tiers, traffic: [...traffic.values()], steps: [...steps.values()], cleanup, leakScan,
    evidence,
    live: mode === 'incident' ? [...recovered.entries()].map(([resource, r]) => ({ resource, account: r.account, accountId: rb.accounts[r.account].id, region: r.region, identifier: r.identifier, arn: r.arn })) : [],
  };
}

function actionOf(res: Resource): string {
  const f = res.failover;
  return f?.promoteReplica ? 'promote-replica' : f?.restorePointInTime ? 'restore-point-in-time' : f?.clusterFailover ? 'cluster-failover' : 'restore-snapshot';
}

/** Account/region pairs a drill may have created something in: where cleanup and the leak scan look. */
function drillPlaces(rb: Runbook, steps: PlanStep[]): Array<[string, string]> {
  const seen = new Set<string>();
  for (const s of steps) if (['snapshot', 'share', 'copy', 'restore'].includes(s.kind)) seen.add(`${s.account}|${s.region}`);
  const rec = recoveryTargetOf(rb);
  seen.add(`${rec.account}|${rec.region}`);
  return [...seen].map((k) => k.split('|') as [string, string]);
}

/** What preflight checks, grouped by account|region: every resource, replica, key, network and zone the plan needs. */
export function preflightChecks(rb: Runbook, stepIds: string[], mode: 'drill' | 'incident'): Map<string, PreflightCheck[]> {
  const out = new Map<string, PreflightCheck[]>();
  const add = (alias: string, region: string, c: PreflightCheck) => {
    const k = `${alias}|${region}`;
    out.set(k, [...(out.get(k) ?? []), c]);
  };
  const prod = productionAlias(rb);
  const rec = recoveryTargetOf(rb);
  const used = (id: string) => stepIds.some((s) => s.split('/')[1] === id);
  const needsRecoveryNetwork = rb.tiers.some((t) => t.resources.some((r) => used(r.id) && (mode === 'drill' || r.failover?.restoreSnapshot || !r.failover)));
  if (needsRecoveryNetwork) {
    if (rec.subnetGroup) add(rec.account, rec.region, { kind: 'subnet-group', name: rec.subnetGroup });
    if (rec.securityGroups?.length) add(rec.account, rec.region, { kind: 'security-groups', names: rec.securityGroups });
    if (rec.kmsKey) add(rec.account, rec.region, { kind: 'kms-key', name: rec.kmsKey });
  }
  for (const tier of rb.tiers) {
    for (const res of tier.resources.filter((r) => used(r.id))) {
      const alias = res.account ?? prod;
      const home = regionOf(rb, res.region, 'primary');
      const f = res.failover;
      if (res.rds.instance) add(alias, home, { kind: 'instance', name: res.rds.instance });
      if (f?.promoteReplica) add(alias, regionOf(rb, f.promoteReplica.region, 'recovery'), { kind: 'instance', name: f.promoteReplica.instance, replica: true });
      if (f?.restoreSnapshot || !f) add(rec.account, rec.region, { kind: 'snapshot-of', name: res.rds.instance! });
      if (f?.clusterFailover) add(alias, rb.regions.recovery, { kind: 'global-cluster', name: f.clusterFailover.globalCluster });
      if (res.credentials && res.validate?.length) {
        const where = mode === 'drill' || f?.restoreSnapshot || !f ? [rec.account, rec.region] : f?.promoteReplica ? [alias, regionOf(rb, f.promoteReplica.region, 'recovery')] : [alias, home];
        add(where[0], where[1], { kind: 'secret', name: res.credentials.secret });
      }
    }
  }
  for (const sw of rb.traffic ?? []) add(prod, rb.regions.primary, { kind: 'hosted-zone', name: sw.route53.zone, record: sw.route53.record });
  return out;
}
