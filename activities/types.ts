/** Inputs and outputs of activities, shared with workflows (which import them as types only). */
import type { RecoveryPointCandidate } from '../runbooks/recovery-points';
import type { ValidationCheck } from '../runbooks/schema';
import type { AccountRef } from './aws';
import type { CheckResult } from './sql';

export type { AccountRef, CheckResult, RecoveryPointCandidate };

/** Where an activity acts, and for which run. */
export interface Scope {
  /** Stable key of the run (from its workflow id): names, tokens and tags derive from it. */
  runKey: string;
  workflowId: string;
  runbook: string;
  account: AccountRef;
  region: string;
}

export interface SourceSpec {
  instance: string;
  backupVault?: string;
  snapshots?: 'automated' | 'manual' | 'any';
}

export interface TargetSpec {
  subnetGroup: string;
  securityGroups: string[];
  kmsKey?: string;
  vault?: string;
  backupRole?: string;
  instanceClass?: string;
}

export interface SelectInput extends Scope {
  source: SourceSpec;
  pick: 'latest' | 'random';
  within: string;
  now: string;
  seed: string;
}

export interface SelectResult {
  ok: boolean;
  chosen?: RecoveryPointCandidate;
  considered: number;
  reason?: string;
}

export interface ShareInput extends Scope {
  resourceId: string;
  snapshot: RecoveryPointCandidate;
  targetAccountId: string;
}

export interface ShareResult {
  sharedSnapshotArn: string;
  /** Manual copy drctl made of an automated snapshot (it is deleted at cleanup). */
  stagedSnapshotId?: string;
}

export interface CopySnapshotInput extends Scope {
  resourceId: string;
  sourceSnapshotArn: string;
  kmsKey?: string;
}

export interface CopyRecoveryPointInput extends Scope {
  resourceId: string;
  recoveryPointArn: string;
  sourceVault: string;
  targetAccountId: string;
  targetRegion: string;
  targetVault: string;
}

export interface CopyResult {
  /** Snapshot ARN or recovery point ARN in the target account. */
  arn: string;
  snapshotId?: string;
  jobId?: string;
  startedAt: string;
  completedAt: string;
}

export interface IsolationInput extends Scope {
  target: TargetSpec;
  isolatedAccountIds: string[];
  productionAccountIds: string[];
}

export interface IsolationResult {
  isolated: boolean;
  problems: string[];
  vpcId?: string;
  securityGroupIds: string[];
}

export interface RestoreInput extends Scope {
  resourceId: string;
  target: TargetSpec;
  securityGroupIds: string[];
  /** Snapshot id in the target account, or a recovery point ARN in the target account's vault. */
  from: { snapshotId: string } | { recoveryPointArn: string };
}

export interface RestoreResult {
  identifier: string;
  arn: string;
  restoreJobId?: string;
  /** The cloud's own timestamps of the data-plane restore. */
  startedAt: string;
  completedAt: string;
  timestampSource: string;
}

export interface ValidateInput extends Scope {
  identifier: string;
  secret: string;
  database?: string;
  checks: ValidationCheck[];
}

export interface ValidateResult {
  passed: boolean;
  checks: CheckResult[];
  newestRow: string | null;
  validatedAt: string;
  endpoint: string;
}

export interface CleanupInput extends Scope {
  resourceId: string;
  /** The source account and region, for a staged manual snapshot and its share. */
  source: { account: AccountRef; region: string };
  targetVault?: string;
  known: { restoredIdentifier?: string; copiedSnapshotId?: string; copiedRecoveryPointArn?: string; stagedSnapshotId?: string; restoreJobId?: string };
}

export interface CleanupResult {
  deleted: string[];
  problems: string[];
}

export interface LeakScanInput extends Scope {
  vault?: string;
  /** Also check these ARNs are gone (e.g. copied recovery points, which carry no tags here). */
  arns: string[];
}

export interface LeakScanResult {
  leaks: string[];
  scanned: number;
}
