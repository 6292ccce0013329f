/**
 * failback: after an incident failover, return each tier to the primary region. Reprotect (a
 * cross-region read replica of the recovery-side writer, back in the primary region), wait until its
 * lag is below the threshold, approval, fence writes on the recovery side, promote the primary-side
 * copy, switch traffic back, validate, then decommission the recovery side (or keep it, per runbook).
 */
import { CancellationScope, condition, setHandler, sleep, workflowInfo, proxyActivities } from '@temporalio/workflow';
import type { FailoverActivities } from '../activities/failover';
import type { RestoreTestActivities } from '../activities/restore-test';
import type { CheckResult, Scope } from '../activities/types';
import { durationMs } from '../runbooks/duration';
import { against } from '../runbooks/measure';
import { runKey as deriveRunKey } from '../runbooks/naming';
import { productionAlias } from '../runbooks/plan';
import type { Effect, StepKind } from '../runbooks/plan';
import { accountRef, approveUpdate, controlUpdate, failoverProgress, findResource } from './failover';
import type { ApprovalRecord, FailbackInput, FailbackResult, ResourceOutcome, StepResult, TierOutcome, TrafficOutcome } from './failover-types';
import { EvidenceRecorder } from './evidence';
import { accountQueue } from './queues';
import { failureMessage } from './steps';

export async function failback(input: FailbackInput): Promise<FailbackResult> {
  const info = workflowInfo();
  const rb = input.runbook;
  const key = deriveRunKey(info.workflowId);
  const startedAt = info.startTime.toISOString();
  const prod = productionAlias(rb);
  const primary = rb.regions.primary;
  const maxLag = input.maxLagSeconds ?? (rb.failback?.maxLag ? durationMs(rb.failback.maxLag) / 1000 : 5);
  const keep = input.keepRecoveryCopies ?? rb.failback?.keepRecoveryCopies ?? false;
  const policy = rb.approvals?.failback;
  const approvalsNeeded = policy?.approvers ?? 1;
  const now = () => new Date().toISOString();

  const scope = (alias: string, region: string): Scope => ({ runKey: key, workflowId: info.workflowId, runbook: rb.metadata.name, account: accountRef(rb, alias), region });
  const opts = (s: Scope) => ({ taskQueue: accountQueue(s.account.id, input.taskQueuePrefix), startToCloseTimeout: '3h', heartbeatTimeout: '15s', retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 5 } } as const);
  const fo = (s: Scope) => proxyActivities<FailoverActivities>(opts(s));
  const rt = (s: Scope) => proxyActivities<RestoreTestActivities>({ ...opts(s), heartbeatTimeout: undefined, startToCloseTimeout: '10m' });

  const steps: StepResult[] = [];
  const approvals: ApprovalRecord[] = [];
  const reasons: string[] = [];
  let aborting: string | undefined;
  const gate = 'approve/failback';
  const ev = new EvidenceRecorder({ runbook: rb, runbookSha256: input.runbookSha256, workflowId: info.workflowId, kind: 'failback', taskQueuePrefix: input.taskQueuePrefix });

  setHandler(approveUpdate, (a) => {
    approvals.push({ gate, approver: a.approver, at: now(), comment: a.comment });
    ev.event('approval', { gate, identity: a.approver, at: now(), comment: a.comment, have: approvals.length, needed: approvalsNeeded }, a.approver);
    return { gate, have: approvals.length, needed: approvalsNeeded };
  }, {
    validator: (a) => {
      if (a.gate && a.gate !== gate) throw new Error(`unknown gate "${a.gate}" (gates: ${gate})`);
      if (!a.approver?.trim()) throw new Error('an approval needs the approver\'s identity');
      if (a.approver === input.initiator) throw new Error(`${a.approver} started this run and cannot approve it`);
      if (policy?.allowed && !policy.allowed.includes(a.approver)) throw new Error(`${a.approver} is not allowed to approve`);
      if (approvals.some((x) => x.approver === a.approver)) throw new Error(`${a.approver} has already approved ${gate}`);
      if (approvals.length >= approvalsNeeded) throw new Error(`${gate} is already approved`);
    },
  });
  setHandler(controlUpdate, (c) => {
    aborting = `aborted by ${c.by}${c.reason ? `: ${c.reason}` : ''}`;
    return 'abort: ok';
  }, { validator: (c) => { if (c.action !== 'abort') throw new Error('a failback can only be aborted'); } });

  /** Runs one step, recording it; failures end the failback (nothing is rolled back automatically). */
  async function step<T>(id: string, kind: StepKind, alias: string, region: string, effect: Effect, fn: () => Promise<T>, detail: (v: T) => string, tier?: string, resource?: string): Promise<T> {
    const rec: StepResult = { id, kind, tier, resource, account: alias, accountId: rb.accounts[alias].id, region, effect, dependsOn: [], status: 'running', startedAt: now(), attempts: 1 };
    steps.push(rec);
    try {
      const v = await fn();
      rec.status = 'done';
      rec.detail = detail(v);
      ev.event('action', { step: id, kind, account: alias, accountId: rec.accountId, region, effect, startedAt: rec.startedAt, endedAt: now(), detail: rec.detail });
      return v;
    } catch (err) {
      rec.status = 'failed';
      rec.detail = failureMessage(err);
      ev.event('step.failed', { step: id, kind, account: alias, accountId: rec.accountId, region, error: rec.detail });
      throw err;
    } finally {
      rec.endedAt = now();
    }
  }

  const live = input.failover.live;
  // A copy the failover left in the primary region already (e.g. a point-in-time restore) stays the writer.
  const moving = live.filter((l) => l.region !== primary);
  const replicas = new Map<string, { identifier: string; arn: string }>();
  const promoted = new Map<string, { identifier: string; arn: string; lag?: number; at: string; rpTime?: string }>();
  const checks = new Map<string, Array<CheckResult & { resource: string }>>();
  const validatedAt = new Map<string, string>();
  const newest = new Map<string, string | null>();
  const traffic: TrafficOutcome[] = [];

  setHandler(failoverProgress, () => ({
    kind: 'failback', status: aborting ? 'running' : steps.some((s) => s.status === 'waiting-approval') ? 'waiting-approval' : 'running',
    paused: false, approvals, waitingGates: steps.some((s) => s.id === gate && s.status === 'waiting-approval') ? [{ gate, needed: approvalsNeeded, have: approvals.length }] : [],
    tiers: [], steps,
  }));

  ev.started(input.initiator, { failover: input.failover.workflowId, live: live.map((l) => l.arn), maxLagSeconds: maxLag, keepRecoveryCopies: keep });
  await ev.tryFlush();
  try {
    if (live.length === 0) throw new Error(`failover ${input.failover.workflowId} left nothing live to fail back from`);
    for (const l of live.filter((x) => x.region === primary)) {
      promoted.set(l.resource, { identifier: l.identifier, arn: l.arn, lag: 0, at: now() });
      await step(`${l.resource}/stays`, 'validate', l.account, primary, 'read', async () => l.arn, (arn) => `${arn} is already in ${primary}; it stays the writer`, findResource(rb, l.resource).tier.name, l.resource);
    }
    await Promise.all(moving.map((l) => step(`${l.resource}/reprotect`, 'copy', l.account, primary, 'write', async () => {
      const r = await fo(scope(l.account, primary)).createReplica({ ...scope(l.account, primary), resourceId: l.resource, sourceArn: l.arn });
      replicas.set(l.resource, r);
      return r;
    }, (r) => `replica ${r.arn} of ${l.arn}`, findResource(rb, l.resource).tier.name, l.resource)));

    await Promise.all(moving.map((l) => step(`${l.resource}/wait-lag`, 'validate', l.account, primary, 'read', async () => {
      const s = scope(l.account, primary);
      for (let i = 0; i < 360; i++) {
        const lag = await fo(s).replicaLag({ ...s, replica: replicas.get(l.resource)!.identifier });
        if (lag !== null && lag <= maxLag) return lag;
        await sleep('10s');
      }
      throw new Error(`replication lag of ${l.resource} stayed above ${maxLag}s`);
    }, (lag) => `lag ${lag}s <= ${maxLag}s`, findResource(rb, l.resource).tier.name, l.resource)));

    const g: StepResult = { id: gate, kind: 'approval', account: prod, accountId: rb.accounts[prod].id, region: primary, effect: 'gate', dependsOn: [], status: 'waiting-approval', startedAt: now(), attempts: 1 };
    steps.push(g);
    const ok = await condition(() => approvals.length >= approvalsNeeded || aborting !== undefined, durationMs(policy?.timeout ?? '30m'));
    g.endedAt = now();
    if (!ok || aborting) {
      g.status = 'failed';
      aborting ??= `approval ${gate} timed out (${approvals.length}/${approvalsNeeded} approvals)`;
      g.detail = aborting;
      throw new Error(aborting);
    }
    g.status = 'done';
    g.detail = `approved by ${approvals.map((a) => a.approver).join(', ')}`;

    await Promise.all(moving.map((l) => {
      const { res, tier } = findResource(rb, l.resource);
      if (!res.credentials) return Promise.resolve();
      return step(`${l.resource}/fence`, 'cleanup', l.account, l.region, 'write', () => fo(scope(l.account, l.region)).fenceWrites({ ...scope(l.account, l.region), identifier: l.identifier, secret: res.credentials!.secret, database: res.credentials!.database }), (f) => `writes fenced at ${f.fencedAt}`, tier.name, l.resource);
    }));

    await Promise.all(moving.map((l) => step(`${l.resource}/promote`, 'promote-replica', l.account, primary, 'write', async () => {
      const r = await fo(scope(l.account, primary)).promoteReplica({ ...scope(l.account, primary), replica: replicas.get(l.resource)!.identifier });
      promoted.set(l.resource, { identifier: r.identifier, arn: r.arn, lag: r.lagSeconds, at: r.completedAt, rpTime: r.recoveryPointTime });
      return r;
    }, (r) => `${r.arn} is the writer; lag at promotion ${r.lagSeconds ?? '?'}s`, findResource(rb, l.resource).tier.name, l.resource)));

    for (const sw of rb.traffic ?? []) {
      const before = input.failover.traffic.find((t) => t.name === sw.name)?.before;
      const value = sw.route53.primaryValue ?? before;
      if (!value) continue;
      const out = await step(`traffic/${sw.name}`, 'traffic', prod, primary, 'write', () => fo(scope(prod, primary)).switchTraffic({ ...scope(prod, primary), zone: sw.route53.zone, record: sw.route53.record, type: sw.route53.type, value, ttl: sw.route53.ttl, dryRun: false }), (o) => `${sw.route53.record}: ${o.before} -> ${o.after}`);
      traffic.push({ name: sw.name, record: sw.route53.record, zone: sw.route53.zone, status: 'done', ...out });
    }

    for (const tier of rb.tiers) {
      const mine = live.filter((l) => findResource(rb, l.resource).tier.name === tier.name);
      if (mine.length === 0) continue;
      await step(`${tier.name}/validate`, 'validate', mine[0].account, primary, 'read', async () => {
        const out: Array<CheckResult & { resource: string }> = [];
        let at = now();
        for (const l of mine) {
          const { res } = findResource(rb, l.resource);
          if (!res.validate?.length || !res.credentials) continue;
          const s = scope(l.account, primary);
          const v = await rt(s).validate({ ...s, identifier: promoted.get(l.resource)!.identifier, secret: res.credentials.secret, database: res.credentials.database, checks: res.validate });
          out.push(...v.checks.map((c) => ({ ...c, resource: l.resource })));
          newest.set(l.resource, v.newestRow);
          if (v.validatedAt > at) at = v.validatedAt;
        }
        checks.set(tier.name, out);
        const failed = out.filter((c) => !c.passed);
        if (failed.length) throw new Error(`checks failed: ${failed.map((c) => `${c.resource} "${c.name}": ${c.detail}`).join('; ')}`);
        validatedAt.set(tier.name, at);
        return out.length;
      }, (n) => `${n} checks passed`, tier.name);
    }

    if (!keep) {
      await Promise.all(moving.map((l) => step(`${l.resource}/decommission`, 'cleanup', l.account, l.region, 'write', () => fo(scope(l.account, l.region)).deleteInstance({ ...scope(l.account, l.region), identifier: l.identifier }), (d) => (d.deleted ? `deleted ${d.deleted}` : 'already gone'), findResource(rb, l.resource).tier.name, l.resource)));
    }
  } catch (err) {
    reasons.push(aborting ?? `failback stopped: ${failureMessage(err)}`);
  }

  const tiers: TierOutcome[] = rb.tiers.filter((t) => live.some((l) => findResource(rb, l.resource).tier.name === t.name)).map((t) => {
    const v = validatedAt.get(t.name);
    const resources: ResourceOutcome[] = live.filter((l) => findResource(rb, l.resource).tier.name === t.name).map((l) => {
      const p = promoted.get(l.resource);
      const rowAt = newest.get(l.resource);
      return {
        id: l.resource, tier: t.name, action: 'failback', account: l.account, accountId: l.accountId, region: primary, identifier: p?.identifier, arn: p?.arn,
        recoveryPointTime: p?.rpTime, recoveryPointSource: 'replica-lag',
        rpa: against(p?.lag !== undefined ? p.lag * 1000 : null, t.objectives.rpo),
        dataRpa: against(rowAt && p ? Math.max(0, Date.parse(p.at) - Date.parse(rowAt)) : null, t.objectives.rpo), newestRow: rowAt,
      };
    });
    return { name: t.name, objectives: t.objectives, status: v ? 'validated' : 'failed', validatedAt: v, rta: against(v ? Date.parse(v) - Date.parse(startedAt) : null, t.objectives.rto), resources, checks: checks.get(t.name) ?? [] };
  });
  const failedSteps = steps.filter((s) => s.status === 'failed');
  const status: FailbackResult['status'] = aborting ? 'ABORTED' : failedSteps.length ? 'FAILED' : 'COMPLETED';
  const evidence = await CancellationScope.nonCancellable(async () => {
    for (const t of tiers) ev.event('measurement', { tier: t.name, objectives: t.objectives, rta: t.rta, validatedAt: t.validatedAt, resources: t.resources.map((r) => ({ id: r.id, rpa: r.rpa, dataRpa: r.dataRpa })) });
    await ev.notify('run-finished', `failback of ${rb.metadata.name} from ${input.failover.workflowId}: ${status}`);
    ev.ended(status, reasons);
    await ev.tryFlush();
    return ev.summary();
  });
  return {
    kind: 'failback', failoverWorkflowId: input.failover.workflowId, workflowId: info.workflowId, runKey: key, runbook: { name: rb.metadata.name, sha256: input.runbookSha256 },
    initiator: input.initiator, startedAt, runStartedAt: startedAt, endedAt: now(), status, evidence,
    objectivesMet: tiers.every((t) => t.status === 'validated' && t.rta.verdict !== 'breached' && t.resources.every((r) => r.rpa.verdict !== 'breached')),
    reasons, preflight: { problems: [] }, approvals, tiers, traffic, steps,
    live: [...promoted.entries()].map(([resource, p]) => ({ resource, account: live.find((l) => l.resource === resource)!.account, accountId: live.find((l) => l.resource === resource)!.accountId, region: primary, identifier: p.identifier, arn: p.arn })),
  };
}
