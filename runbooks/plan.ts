/**
 * Compiles a runbook into an execution plan: a DAG of steps, each naming the account and region it
 * acts in and what it does there. Pure: the workflows execute a plan, the CLI prints one.
 */
import { durationMs } from './duration';
import type { Resource, Runbook, Target, Tier } from './schema';

export type Mode = 'restore-test' | 'drill' | 'incident';
export const MODES: readonly Mode[] = ['restore-test', 'drill', 'incident'];

/**
 * What a step does to the account it acts in. `copy-out` adds a copy or a share of production data
 * (a snapshot, a copy job) and never changes or deletes an existing production resource.
 */
export type Effect = 'read' | 'copy-out' | 'write' | 'gate';

export type StepKind =
  | 'preflight' | 'approval' | 'select-recovery-point' | 'snapshot' | 'share' | 'copy' | 'isolation-guard'
  | 'restore' | 'promote-replica' | 'restore-point-in-time' | 'cluster-failover' | 'validate' | 'traffic'
  | 'cleanup' | 'leak-scan';

export interface PlanStep {
  id: string;
  kind: StepKind;
  tier?: string;
  resource?: string;
  /** Account alias and id the step's AWS calls are made in (its activities run on that account's task queue). */
  account: string;
  accountId: string;
  region: string;
  effect: Effect;
  dependsOn: string[];
  description: string;
  gate?: { policy: string; approvers: number; timeoutMs: number };
}

export interface ExecutionPlan {
  runbook: string;
  mode: Mode;
  steps: PlanStep[];
}

export interface PlanOptions {
  /** Only these tiers (restore-test: also any resource in them). */
  tiers?: string[];
  resources?: string[];
}

export class PlanError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'PlanError';
  }
}

export function productionAlias(rb: Runbook): string {
  const alias = Object.keys(rb.accounts).find((a) => rb.accounts[a].production);
  if (!alias) throw new PlanError(['no production account']);
  return alias;
}

/** Resolves `primary` / `recovery` / a region name to a region name. */
export function regionOf(rb: Runbook, ref: string | undefined, fallback: 'primary' | 'recovery'): string {
  const r = ref ?? fallback;
  return r === 'primary' ? rb.regions.primary : r === 'recovery' ? rb.regions.recovery : r;
}

/** The restore-test target of a resource: its own `into` over the runbook's default. */
export function restoreTargetOf(rb: Runbook, res: Resource): Target {
  const merged = { ...rb.restoreTest, ...res.restoreTest?.into } as Target;
  if (!merged.account || !merged.subnetGroup || !merged.securityGroups) {
    throw new PlanError([`resource "${res.id}" has no complete restore-test target`]);
  }
  return merged;
}

/** The recovery target of a runbook: where drills and failover restores land. */
export function recoveryTargetOf(rb: Runbook): { account: string; region: string; subnetGroup?: string; securityGroups?: string[]; kmsKey?: string; vault?: string } {
  const account = rb.recovery?.account ?? Object.keys(rb.accounts).find((a) => a === 'recovery') ?? '';
  if (!rb.accounts[account]) throw new PlanError(['no recovery account: set "recovery.account" or name an account "recovery"']);
  return { ...rb.recovery, account, region: regionOf(rb, rb.recovery?.region, 'recovery') };
}

export function compilePlan(rb: Runbook, mode: Mode, opts: PlanOptions = {}): ExecutionPlan {
  const steps = mode === 'restore-test' ? restoreTestSteps(rb, opts) : failoverSteps(rb, mode, opts);
  const plan = { runbook: rb.metadata.name, mode, steps };
  const unsafe = safetyProblems(rb, plan);
  if (unsafe.length > 0) throw new PlanError(unsafe);
  return plan;
}

/**
 * The safety rule, checked on every compiled plan before anything runs: outside an incident no step
 * writes to the production account, and a restore test writes only to isolated accounts.
 */
export function safetyProblems(rb: Runbook, plan: ExecutionPlan): string[] {
  const problems: string[] = [];
  if (plan.mode === 'incident') return problems;
  for (const s of plan.steps) {
    const acct = rb.accounts[s.account];
    if (s.effect === 'write' && acct?.production) problems.push(`${plan.mode} step ${s.id} would write to the production account ${s.account} (${s.accountId})`);
    if (plan.mode === 'restore-test' && s.effect === 'write' && !acct?.isolated) problems.push(`restore-test step ${s.id} would write to non-isolated account ${s.account}`);
  }
  return problems;
}

function selectTiers(rb: Runbook, opts: PlanOptions): Tier[] {
  const unknownTiers = (opts.tiers ?? []).filter((t) => !rb.tiers.some((tier) => tier.name === t));
  const allIds = rb.tiers.flatMap((t) => t.resources.map((r) => r.id));
  const unknownRes = (opts.resources ?? []).filter((r) => !allIds.includes(r));
  if (unknownTiers.length || unknownRes.length) {
    throw new PlanError([...unknownTiers.map((t) => `unknown tier "${t}"`), ...unknownRes.map((r) => `unknown resource "${r}"`)]);
  }
  return rb.tiers
    .filter((t) => !opts.tiers?.length || opts.tiers.includes(t.name))
    .map((t) => ({ ...t, resources: t.resources.filter((r) => !opts.resources?.length || opts.resources.includes(r.id)) }))
    .filter((t) => t.resources.length > 0);
}

function stepFactory(rb: Runbook) {
  return (s: Omit<PlanStep, 'accountId'>): PlanStep => ({ ...s, accountId: rb.accounts[s.account]?.id ?? '?' });
}

function restoreTestSteps(rb: Runbook, opts: PlanOptions): PlanStep[] {
  const step = stepFactory(rb);
  const prod = productionAlias(rb);
  const tiers = selectTiers(rb, opts).map((t) => ({ ...t, resources: t.resources.filter((r) => r.restoreTest) }));
  const resources = tiers.flatMap((t) => t.resources.map((r) => ({ tier: t.name, res: r })));
  if (resources.length === 0) throw new PlanError(['no resource in the selection has a "restoreTest" section']);
  const out: PlanStep[] = [step({ id: 'preflight', kind: 'preflight', account: prod, region: rb.regions.primary, effect: 'read', dependsOn: [], description: 'assume every role; check sources, target network, keys and vaults exist' })];
  const cleanups: string[] = [];
  for (const { tier, res } of resources) {
    const target = restoreTargetOf(rb, res);
    const src = res.account ?? prod;
    const srcRegion = regionOf(rb, res.region, 'primary');
    const tgtRegion = regionOf(rb, target.region, 'primary');
    const from = res.restoreTest!.from;
    const p = `${res.id}/`;
    const base = { tier, resource: res.id };
    out.push(step({ ...base, id: `${p}select-recovery-point`, kind: 'select-recovery-point', account: src, region: srcRegion, effect: 'read', dependsOn: ['preflight'],
      description: from.backupVault ? `pick the ${from.pick} recovery point in vault ${from.backupVault} within ${from.within}` : `pick the ${from.pick} ${from.snapshots} snapshot of ${res.rds.instance ?? res.rds.cluster} within ${from.within}` }));
    // The isolation guard comes first: a target that is not isolated gets nothing, not even a copy.
    out.push(step({ ...base, id: `${p}isolation-guard`, kind: 'isolation-guard', account: target.account, region: tgtRegion, effect: 'read', dependsOn: [`${p}select-recovery-point`], description: `prove subnet group ${target.subnetGroup} has no internet, NAT, peering or transit route and no open security group` }));
    let last = `${p}isolation-guard`;
    if (from.snapshots) {
      out.push(step({ ...base, id: `${p}share`, kind: 'share', account: src, region: srcRegion, effect: 'copy-out', dependsOn: [last], description: `stage a tagged manual copy of the snapshot and share it with ${target.account} (production's snapshot is not modified)` }));
      last = `${p}share`;
    }
    out.push(step({ ...base, id: `${p}copy`, kind: 'copy', account: from.backupVault ? src : target.account, region: from.backupVault ? srcRegion : tgtRegion, effect: from.backupVault ? 'copy-out' : 'write', dependsOn: [last],
      description: from.backupVault ? `AWS Backup copy job into ${target.account}'s vault ${target.vault ?? '?'}` : `copy the shared snapshot into ${target.account} under ${target.kmsKey ?? 'its default key'}` }));
    out.push(step({ ...base, id: `${p}restore`, kind: 'restore', account: target.account, region: tgtRegion, effect: 'write', dependsOn: [`${p}copy`], description: `restore into ${target.subnetGroup} with ${target.securityGroups.join(', ')}` }));
    out.push(step({ ...base, id: `${p}validate`, kind: 'validate', account: target.account, region: tgtRegion, effect: 'read', dependsOn: [`${p}restore`], description: `${res.validate?.length ?? 0} SQL checks on the restored copy` }));
    out.push(step({ ...base, id: `${p}cleanup`, kind: 'cleanup', account: target.account, region: tgtRegion, effect: 'write', dependsOn: [`${p}validate`], description: 'delete the restored instance and the copied recovery point (always runs)' }));
    cleanups.push(`${p}cleanup`);
  }
  const targets = [...new Set(resources.map(({ res }) => restoreTargetOf(rb, res).account))];
  for (const account of targets) {
    out.push(step({ id: `leak-scan/${account}`, kind: 'leak-scan', account, region: regionOf(rb, rb.restoreTest?.region, 'primary'), effect: 'read', dependsOn: cleanups, description: 'find anything still tagged with the run id' }));
  }
  return out;
}

function failoverSteps(rb: Runbook, mode: 'drill' | 'incident', opts: PlanOptions): PlanStep[] {
  const step = stepFactory(rb);
  const prod = productionAlias(rb);
  const recovery = recoveryTargetOf(rb);
  const tiers = selectTiers(rb, opts);
  const out: PlanStep[] = [step({ id: 'preflight', kind: 'preflight', account: prod, region: rb.regions.primary, effect: 'read', dependsOn: [], description: 'assume every role; check replicas, snapshots, keys, subnet groups and zones exist' })];
  let entry = 'preflight';
  const policy = rb.approvals?.[mode];
  if (policy || mode === 'incident') {
    const approvers = policy?.approvers ?? 1;
    const timeoutMs = durationMs(policy?.timeout ?? '30m');
    out.push(step({ id: `approve/${mode}`, kind: 'approval', account: prod, region: rb.regions.primary, effect: 'gate', dependsOn: ['preflight'], description: `${approvers} approver(s), not the initiator, within ${policy?.timeout ?? '30m'}`, gate: { policy: mode, approvers, timeoutMs } }));
    entry = `approve/${mode}`;
  }
  const validated = (tier: string) => `${tier}/validate`;
  for (const tier of tiers) {
    const deps = (tier.dependsOn ?? []).filter((d) => tiers.some((t) => t.name === d)).map(validated);
    let tierEntry = [entry, ...deps];
    if (mode === 'incident' && tier.approvalGate) {
      const approvers = policy?.approvers ?? 1;
      out.push(step({ id: `${tier.name}/approve`, kind: 'approval', tier: tier.name, account: prod, region: rb.regions.primary, effect: 'gate', dependsOn: tierEntry, description: `gate before tier ${tier.name}`, gate: { policy: mode, approvers, timeoutMs: durationMs(policy?.timeout ?? '30m') } }));
      tierEntry = [`${tier.name}/approve`];
    }
    const finals: StepDraft[] = [];
    for (const res of tier.resources) {
      const resSteps = mode === 'drill' ? drillResourceSteps(rb, tier, res, recovery, tierEntry) : incidentResourceSteps(rb, tier, res, recovery, tierEntry);
      out.push(...resSteps.map(step));
      finals.push(resSteps[resSteps.length - 1]);
    }
    // Validation reads the recovered copies where they now live (a promoted replica stays in its account).
    const where = finals[0];
    out.push(step({ id: validated(tier.name), kind: 'validate', tier: tier.name, account: where.account, region: where.region, effect: 'read', dependsOn: finals.map((f) => f.id), description: `validation checks of tier ${tier.name} (RTA stops here)` }));
  }
  for (const sw of rb.traffic ?? []) {
    const after = sw.after.filter((t) => tiers.some((tier) => tier.name === t));
    if (after.length === 0) continue;
    out.push(step({
      id: `traffic/${sw.name}`, kind: 'traffic', account: prod, region: rb.regions.primary,
      effect: mode === 'drill' ? 'read' : 'write', dependsOn: after.map(validated),
      description: mode === 'drill' ? `check ${sw.route53.record} resolves and could move; a drill never changes it` : `point ${sw.route53.record} at the recovery side`,
    }));
  }
  if (mode === 'drill') {
    const leaves = out.filter((s) => s.kind === 'validate' || s.kind === 'traffic').map((s) => s.id);
    out.push(step({ id: 'cleanup', kind: 'cleanup', account: recovery.account, region: recovery.region, effect: 'write', dependsOn: leaves, description: 'delete every copy the drill created (always runs)' }));
    out.push(step({ id: `leak-scan/${recovery.account}`, kind: 'leak-scan', account: recovery.account, region: recovery.region, effect: 'read', dependsOn: ['cleanup'], description: 'find anything still tagged with the run id' }));
  }
  return out;
}

type StepDraft = Omit<PlanStep, 'accountId'>;

/** A drill restores a copy in the recovery account; production only ever shares a snapshot. */
function drillResourceSteps(rb: Runbook, tier: Tier, res: Resource, recovery: ReturnType<typeof recoveryTargetOf>, after: string[]): StepDraft[] {
  const prod = res.account ?? productionAlias(rb);
  const base = { tier: tier.name, resource: res.id };
  const p = `${tier.name}/${res.id}/`;
  const fo = res.failover;
  const steps: StepDraft[] = [];
  if (fo?.restoreSnapshot) {
    steps.push({ ...base, id: `${p}select-recovery-point`, kind: 'select-recovery-point', account: recovery.account, region: recovery.region, effect: 'read', dependsOn: after, description: `pick the ${fo.restoreSnapshot.pick ?? 'latest'} snapshot copy in ${recovery.account}` });
  } else {
    const replica = fo?.promoteReplica;
    const srcRegion = replica ? regionOf(rb, replica.region, 'recovery') : regionOf(rb, res.region, 'primary');
    steps.push({ ...base, id: `${p}snapshot`, kind: 'snapshot', account: prod, region: srcRegion, effect: 'copy-out', dependsOn: after,
      description: replica ? `snapshot the replica ${replica.instance} (never promoted in a drill)` : `snapshot ${res.rds.instance ?? res.rds.cluster} for a point-in-time copy` });
    steps.push({ ...base, id: `${p}share`, kind: 'share', account: prod, region: srcRegion, effect: 'copy-out', dependsOn: [`${p}snapshot`], description: `share it with ${recovery.account}` });
    steps.push({ ...base, id: `${p}copy`, kind: 'copy', account: recovery.account, region: recovery.region, effect: 'write', dependsOn: [`${p}share`], description: `copy into ${recovery.account} ${recovery.region}` });
  }
  steps.push({ ...base, id: `${p}restore`, kind: 'restore', account: recovery.account, region: recovery.region, effect: 'write', dependsOn: [steps[steps.length - 1].id], description: `restore a drill copy into ${recovery.subnetGroup ?? 'the recovery subnet group'}` });
  return steps;
}

/** An incident acts on the live estate: promote, restore to a point in time, restore the copied snapshot. */
function incidentResourceSteps(rb: Runbook, tier: Tier, res: Resource, recovery: ReturnType<typeof recoveryTargetOf>, after: string[]): StepDraft[] {
  const prod = res.account ?? productionAlias(rb);
  const base = { tier: tier.name, resource: res.id };
  const p = `${tier.name}/${res.id}/`;
  const fo = res.failover;
  if (!fo) return [{ ...base, id: `${p}restore`, kind: 'restore', account: recovery.account, region: recovery.region, effect: 'write', dependsOn: after, description: 'no failover action declared: restore the latest snapshot copy' }];
  if (fo.promoteReplica) {
    return [{ ...base, id: `${p}promote-replica`, kind: 'promote-replica', account: prod, region: regionOf(rb, fo.promoteReplica.region, 'recovery'), effect: 'write', dependsOn: after, description: `promote read replica ${fo.promoteReplica.instance}` }];
  }
  if (fo.restorePointInTime) {
    return [{ ...base, id: `${p}restore-point-in-time`, kind: 'restore-point-in-time', account: prod, region: regionOf(rb, fo.restorePointInTime.region ?? res.region, 'primary'), effect: 'write', dependsOn: after, description: `restore ${res.rds.instance} to ${fo.restorePointInTime.at ?? 'the latest restorable time'} as a new instance` }];
  }
  if (fo.clusterFailover) {
    return [{ ...base, id: `${p}cluster-failover`, kind: 'cluster-failover', account: prod, region: rb.regions.recovery, effect: 'write', dependsOn: after, description: `fail global cluster ${fo.clusterFailover.globalCluster} over to ${fo.clusterFailover.targetCluster}` }];
  }
  return [
    { ...base, id: `${p}select-recovery-point`, kind: 'select-recovery-point', account: recovery.account, region: recovery.region, effect: 'read', dependsOn: after, description: `pick the ${fo.restoreSnapshot?.pick ?? 'latest'} snapshot copy in ${recovery.account}` },
    { ...base, id: `${p}restore`, kind: 'restore', account: recovery.account, region: recovery.region, effect: 'write', dependsOn: [`${p}select-recovery-point`], description: `restore it into ${recovery.subnetGroup ?? 'the recovery subnet group'}` },
  ];
}

/**
 * Groups steps by depth for display: steps in one wave can run at the same time. Execution does not
 * wait for waves; a step starts as soon as its own dependencies are done.
 */
export function waves(plan: ExecutionPlan): PlanStep[][] {
  const depth = new Map<string, number>();
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const depthOf = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    const d = Math.max(-1, ...byId.get(id)!.dependsOn.map(depthOf)) + 1;
    depth.set(id, d);
    return d;
  };
  const out: PlanStep[][] = [];
  for (const s of plan.steps) (out[depthOf(s.id)] ??= []).push(s);
  return out;
}
