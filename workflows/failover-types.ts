/**
 * Records of failover runs (drills and incidents) and failbacks: what evidence and reports are built
 * from. Type-only: no code, so workflows, activities, the CLI and reports can all import it.
 */
import type { CheckResult } from '../activities/sql';
import type { Measured } from '../runbooks/measure';
import type { PlanStep } from '../runbooks/plan';
import type { Runbook } from '../runbooks/schema';
import type { EvidenceSummary } from './evidence';

export type FailoverMode = 'drill' | 'incident';

export interface FailoverInput {
  runbook: Runbook;
  runbookSha256: string;
  mode: FailoverMode;
  /** Who started it (never counts as an approver). */
  initiator: string;
  /** Incident runs: the incident id and when the disruption started (RTO counts from here). */
  incident?: { id: string; declaredAt: string };
  tiers?: string[];
  taskQueuePrefix?: string;
  /** After a failed step, keep unrelated branches running (`continue`) or pause them (`pause`). @default continue */
  onFailure?: 'continue' | 'pause';
}

export type StepState = 'pending' | 'running' | 'waiting-approval' | 'done' | 'failed' | 'skipped' | 'blocked' | 'cancelled';

/** A plan step as it ran. */
export interface StepResult extends Pick<PlanStep, 'id' | 'kind' | 'tier' | 'resource' | 'account' | 'accountId' | 'region' | 'effect' | 'dependsOn'> {
  status: StepState;
  startedAt?: string;
  endedAt?: string;
  /** Times the operator or Temporal ran it (1 for a step that succeeded first time). */
  attempts: number;
  detail?: string;
  /** Operator's skip, with who and why. */
  skipped?: { by: string; reason: string; at: string };
}

export interface ApprovalRecord {
  gate: string;
  approver: string;
  at: string;
  comment?: string;
}

export interface ResourceOutcome {
  id: string;
  tier: string;
  action: string;
  /** Where the recovered copy lives now. */
  account: string;
  accountId: string;
  region: string;
  identifier?: string;
  arn?: string;
  /** Time of the data recovered, and where that time came from. */
  recoveryPointTime?: string;
  recoveryPointSource?: 'replica-lag' | 'pitr-restore-time' | 'snapshot-time' | 'recovery-point-creation';
  rpa: Measured;
  dataRpa: Measured;
  newestRow?: string | null;
}

export interface TierOutcome {
  name: string;
  objectives: { rto: string; rpo: string };
  status: 'pending' | 'running' | 'validated' | 'failed' | 'blocked' | 'skipped';
  startedAt?: string;
  validatedAt?: string;
  /** T_validated − T_start against the RTO. */
  rta: Measured;
  resources: ResourceOutcome[];
  checks: Array<CheckResult & { resource: string }>;
}

export interface TrafficOutcome {
  name: string;
  record: string;
  zone: string;
  status: StepState;
  /** Incident: the record's value before and after; drill: what it would have been. */
  before?: string;
  after?: string;
  changeId?: string;
}

/** REFUSED: nothing ran (e.g. the evidence store has no Object Lock). */
export type FailoverStatus = 'COMPLETED' | 'FAILED' | 'ABORTED' | 'CANCELLED' | 'REFUSED';

export interface FailoverResult {
  kind: FailoverMode;
  workflowId: string;
  runKey: string;
  runbook: { name: string; sha256: string };
  initiator: string;
  incident?: { id: string; declaredAt: string };
  /** T_start: the declared incident start, or the run's start. */
  startedAt: string;
  runStartedAt: string;
  endedAt: string;
  status: FailoverStatus;
  /** Every objective met and every tier validated. */
  objectivesMet: boolean;
  reasons: string[];
  preflight: { problems: string[] };
  approvals: ApprovalRecord[];
  tiers: TierOutcome[];
  traffic: TrafficOutcome[];
  steps: StepResult[];
  /** Drill: what cleanup removed; incident: nothing is rolled back. */
  cleanup?: { deleted: string[]; problems: string[] };
  leakScan?: { leaks: string[]; scanned: number };
  /** Where the run's evidence chain is (no content). */
  evidence?: EvidenceSummary;
  /** Incident: what is live on the recovery side now (the input to failback). */
  live: Array<{ resource: string; account: string; accountId: string; region: string; identifier: string; arn: string }>;
}

export interface FailbackInput {
  runbook: Runbook;
  runbookSha256: string;
  /** The incident failover this fails back from (its result record). */
  failover: FailoverResult;
  initiator: string;
  taskQueuePrefix?: string;
  /** Replication lag below which the primary side may take over. @default 5s */
  maxLagSeconds?: number;
  /** Keep the recovery-side copies as the new replicas instead of deleting them. @default false */
  keepRecoveryCopies?: boolean;
}

export interface FailbackResult extends Omit<FailoverResult, 'kind' | 'incident'> {
  kind: 'failback';
  failoverWorkflowId: string;
}

/** Progress returned by the `progress` query of failover and failback runs. */
export interface FailoverProgress {
  kind: FailoverMode | 'failback';
  status: 'running' | 'paused' | 'waiting-approval' | 'waiting-operator' | FailoverStatus;
  paused: boolean;
  approvals: ApprovalRecord[];
  /** Gates waiting now, with how many approvals each still needs. */
  waitingGates: Array<{ gate: string; needed: number; have: number }>;
  tiers: TierOutcome[];
  steps: StepResult[];
}
