/**
 * The report model: one normalized shape for every kind of run record (restore verification, a
 * single restore test, drill, incident failover, failback), built by pure functions. Every renderer
 * (Markdown, HTML, JUnit, JSON, the SVG timeline) reads this model only.
 */
import { against, type Measured, type Verdict } from '../runbooks/measure';
import type { FailbackResult, FailoverResult } from '../workflows/failover-types';
import type { RestoreTestResult } from '../workflows/restore-test';
import type { RestoreVerificationResult } from '../workflows/restore-verification';

/** Any record a report can be built from. */
export type RunRecord = RestoreVerificationResult | RestoreTestResult | FailoverResult | FailbackResult;

export type RunKind = 'restore-test' | 'drill' | 'incident' | 'failback';

const KIND_TITLES: Record<RunKind, string> = {
  'restore-test': 'Isolated restore test',
  drill: 'DR drill',
  incident: 'Incident failover',
  failback: 'Failback',
};

export interface Approval {
  gate: string;
  approver: string;
  at: string;
  comment?: string;
}

export interface ResourceRow {
  id: string;
  tier: string;
  status: string;
  /** Where the recovered copy was (or is) running. */
  account: string;
  accountId: string;
  region: string;
  recoveryPoint?: { at: string; source: string };
  newestRow?: string | null;
  /** Restore tests only: the resource's own RTA, counted from `clockStart` (its own test's start). */
  rta?: Measured;
  clockStart?: string;
  /** T_start − T_rp against the RPO. */
  rpa: Measured;
  /** T_start − newest restored row against the RPO. */
  dataRpa: Measured;
  checks: { passed: number; total: number };
}

export interface TierRow {
  name: string;
  objectives: { rto: string; rpo: string };
  status: string;
  /** Failover: T_validated − T_start. Restore tests: the slowest resource (worst verdict). */
  rta: Measured;
  resources: ResourceRow[];
}

export interface StepRow {
  id: string;
  kind: string;
  tier?: string;
  resource?: string;
  account: string;
  accountId: string;
  region: string;
  status: string;
  startedAt?: string;
  endedAt?: string;
  detail?: string;
}

export interface ReportModel {
  kind: RunKind;
  title: string;
  workflowId: string;
  runbook: { name: string; sha256: string };
  initiator: string;
  incident?: { id: string; declaredAt: string };
  /** Failback: the incident failover it undid. */
  failoverWorkflowId?: string;
  approvals: Approval[];
  /** T_start: the run's start, or the declared start of the incident. */
  startedAt: string;
  endedAt: string;
  status: string;
  verdict: { passed: boolean; objectives: Record<Verdict, number> };
  reasons: string[];
  tiers: TierRow[];
  steps: StepRow[];
  /** Drills and restore tests: what cleanup removed and what the leak scan still found. */
  cleanup?: { deleted: number; problems: string[]; leaks: string[]; scanned: number };
}

/** Builds the report model of any run record. */
export function buildReport(record: RunRecord): ReportModel {
  switch (record.kind) {
    case 'restore-verification':
      return fromVerification(record);
    case 'restore-test':
      return fromVerification({
        kind: 'restore-verification', workflowId: record.workflowId, runbook: record.runbook, initiator: record.initiator,
        startedAt: record.startedAt, endedAt: record.endedAt, status: record.status === 'PASSED' ? 'PASSED' : 'FAILED', results: [record], errors: [],
      }, record.status);
    default:
      return fromFailover(record);
  }
}

/** Worst of several measurements of one objective: any breach breaches, then any gap is unmeasured. */
export function worstOf(measures: Measured[], objective: string): Measured {
  const actuals = measures.map((m) => m.actualMs).filter((a): a is number => a !== null);
  const slowest = actuals.length ? Math.max(...actuals) : null;
  if (measures.some((m) => m.verdict === 'breached')) return against(slowest, objective);
  if (measures.length === 0 || measures.some((m) => m.verdict === 'unmeasured')) return against(null, objective);
  return against(slowest, objective);
}

function fromVerification(r: RestoreVerificationResult, status: string = r.status): ReportModel {
  const tiers: TierRow[] = [];
  for (const t of r.results) {
    let tier = tiers.find((x) => x.name === t.tier);
    if (!tier) {
      tier = { name: t.tier, objectives: t.objectives, status: 'PASSED', rta: t.measurements.rta, resources: [] };
      tiers.push(tier);
    }
    if (t.status !== 'PASSED') tier.status = 'FAILED';
    const checks = t.validation?.checks ?? [];
    tier.resources.push({
      id: t.resource, tier: t.tier, status: t.status, account: t.target.account, accountId: t.target.accountId, region: t.target.region,
      recoveryPoint: t.recoveryPoint ? { at: t.recoveryPoint.createdAt, source: t.recoveryPoint.kind } : undefined,
      newestRow: t.validation?.newestRow, rta: t.measurements.rta, clockStart: t.startedAt,
      rpa: t.measurements.rpa, dataRpa: t.measurements.dataRpa, checks: { passed: checks.filter((c) => c.passed).length, total: checks.length },
    });
  }
  for (const tier of tiers) tier.rta = worstOf(tier.resources.map((x) => x.rta!), tier.objectives.rto);
  const sum = (f: (t: RestoreTestResult) => number) => r.results.reduce((n, t) => n + f(t), 0);
  return finish({
    kind: 'restore-test', workflowId: r.workflowId, runbook: r.runbook, initiator: r.initiator, approvals: [],
    startedAt: r.startedAt, endedAt: r.endedAt, status,
    reasons: [...r.results.flatMap((t) => t.reasons.map((x) => `${t.resource}: ${x}`)), ...r.errors.map((e) => `${e.resource}: no result: ${e.error}`)],
    tiers,
    steps: r.results.flatMap((t) => t.steps.map((s) => ({ ...s, id: `${t.resource}/${s.id}`, tier: t.tier, resource: t.resource }))),
    cleanup: {
      deleted: sum((t) => t.cleanup.deleted.length), scanned: sum((t) => t.leakScan.scanned),
      problems: r.results.flatMap((t) => t.cleanup.problems), leaks: r.results.flatMap((t) => t.leakScan.leaks),
    },
  });
}

function fromFailover(r: FailoverResult | FailbackResult): ReportModel {
  return finish({
    kind: r.kind, workflowId: r.workflowId, runbook: r.runbook, initiator: r.initiator,
    incident: r.kind === 'failback' ? undefined : r.incident,
    failoverWorkflowId: r.kind === 'failback' ? r.failoverWorkflowId : undefined,
    approvals: r.approvals.map((a) => ({ ...a })),
    startedAt: r.startedAt, endedAt: r.endedAt, status: r.status,
    reasons: [...r.preflight.problems.map((p) => `preflight: ${p}`), ...r.reasons],
    tiers: r.tiers.map((t) => ({
      name: t.name, objectives: t.objectives, status: t.status, rta: t.rta,
      resources: t.resources.map((x) => {
        const checks = t.checks.filter((c) => c.resource === x.id);
        return {
          id: x.id, tier: t.name, status: t.status, account: x.account, accountId: x.accountId, region: x.region,
          recoveryPoint: x.recoveryPointTime ? { at: x.recoveryPointTime, source: x.recoveryPointSource ?? 'unknown' } : undefined,
          newestRow: x.newestRow, rpa: x.rpa, dataRpa: x.dataRpa, checks: { passed: checks.filter((c) => c.passed).length, total: checks.length },
        };
      }),
    })),
    steps: r.steps.map((s) => ({
      id: s.id, kind: s.kind, tier: s.tier, resource: s.resource, account: s.account, accountId: s.accountId, region: s.region,
      status: s.status, startedAt: s.startedAt, endedAt: s.endedAt,
      detail: s.skipped ? `skipped by ${s.skipped.by} at ${s.skipped.at}: ${s.skipped.reason}` : s.detail,
    })),
    cleanup: r.cleanup && { deleted: r.cleanup.deleted.length, problems: r.cleanup.problems, leaks: r.leakScan?.leaks ?? [], scanned: r.leakScan?.scanned ?? 0 },
  });
}

/** Every objective measurement the report judges: RTA per resource where measured so, else per tier; both RPAs per resource. */
function objectiveMeasures(tiers: TierRow[]): Measured[] {
  return tiers.flatMap((t) => {
    const perResource = t.resources.some((x) => x.rta);
    return [...(perResource ? t.resources.map((x) => x.rta!) : [t.rta]), ...t.resources.flatMap((x) => [x.rpa, x.dataRpa])];
  });
}

function finish(m: Omit<ReportModel, 'title' | 'verdict'>): ReportModel {
  const objectives: Record<Verdict, number> = { met: 0, breached: 0, unmeasured: 0 };
  for (const x of objectiveMeasures(m.tiers)) objectives[x.verdict]++;
  const passed = (m.status === 'PASSED' || m.status === 'COMPLETED') && objectives.breached === 0;
  const { kind, ...rest } = m;
  return { kind, title: KIND_TITLES[kind], ...rest, verdict: { passed, objectives } };
}
