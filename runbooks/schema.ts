/**
 * The runbook language, as a zod schema. Every object is strict: an unknown key (a typo) is an error,
 * never silently ignored. Cross-references (accounts, tiers, cycles) are checked in `checks.ts`.
 */
import { z } from 'zod';
import { DURATION_PATTERN } from './duration';

const name = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, { error: 'expected a lowercase name of letters, digits and dashes (e.g. "ledger-db")' });
const alias = z
  .string()
  .regex(/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/, { error: 'expected an account alias of letters, digits and dashes (e.g. "restoreTest")' });
const duration = z
  .string({ error: 'expected a duration like 90s, 15m, 4h or 1d' })
  .regex(DURATION_PATTERN, { error: 'expected a duration like 90s, 15m, 4h or 1d' });
const accountId = z.string({ error: 'expected a 12-digit AWS account id in quotes' }).regex(/^\d{12}$/, { error: 'expected a 12-digit AWS account id in quotes' });
const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, { error: 'expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)' });
const regionName = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: 'expected an AWS region such as us-east-1' });
/** Where a step acts: `primary`, `recovery`, or a region name. */
const regionRef = z.union([z.enum(['primary', 'recovery']), regionName], { error: 'expected "primary", "recovery" or an AWS region name' });
const pick = z.enum(['latest', 'random'], { error: 'expected "latest" or "random"' });

export const AccountSchema = z.strictObject({
  /** The 12-digit account id. */
  id: accountId,
  /** Role drctl assumes in this account (STS AssumeRole). */
  role: roleArn,
  /** External id required by the role's trust policy, if any. */
  externalId: z.string().min(2).max(1224).optional(),
  /** Marks the production account: drills and restore tests never write to it. */
  production: z.boolean().optional(),
  /** Marks the isolated restore-test account: no route to the internet or to production. */
  isolated: z.boolean().optional(),
  /** Evidence store in this account (S3 with Object Lock). */
  evidence: z.strictObject({ bucket: z.string().min(3).max(63), prefix: z.string().optional(), retention: duration }).optional(),
});

export const ApprovalPolicySchema = z.strictObject({
  /** Distinct approvers needed; the run's initiator never counts. */
  approvers: z.number().int().min(1).max(10),
  /** How long to wait for approvals before the run aborts cleanly. */
  timeout: duration,
  /** Only these identities may approve (default: anyone but the initiator). */
  allowed: z.array(z.string().min(1)).min(1).optional(),
});

/** Where restored copies land: an account, a region and the network they are placed in. */
export const TargetSchema = z.strictObject({
  account: alias,
  region: regionRef,
  subnetGroup: z.string().min(1),
  securityGroups: z.array(z.string().min(1)).min(1),
  kmsKey: z.string().min(1).optional(),
  /** Backup vault in the target account that copied recovery points go to. */
  vault: z.string().min(1).optional(),
  /** Role AWS Backup uses for copy and restore jobs in the target account. */
  backupRole: roleArn.optional(),
  instanceClass: z.string().optional(),
  /** Resources restored at the same time. */
  parallelism: z.number().int().min(1).max(100).optional(),
});

export const ValidationCheckSchema = z
  .strictObject({
    name: z.string().min(1),
    sql: z.string().min(1),
    /** Comparison with the first column of the first row: `>= 1`, `= 0`, `< 100`, `= 'EUR'`. */
    expect: z.string().regex(/^(>=|<=|!=|=|>|<)\s*\S.*$/, { error: 'expected a comparison such as ">= 1", "= 0" or "= \'EUR\'"' }).optional(),
    /** The query returns the newest committed timestamp: it gives the data-level RPO. */
    freshness: z.literal(true).optional(),
    timeout: duration.optional(),
  })
  .refine((c) => c.expect !== undefined || c.freshness === true, { error: 'a check needs "expect" or "freshness: true"' });

export const FailoverSchema = z
  .strictObject({
    /** Promote a cross-region read replica (in the resource's account, recovery region unless given). */
    promoteReplica: z.strictObject({ instance: z.string().min(1), region: regionRef.optional() }).optional(),
    /**
     * Restore a new instance to a point in time from automated backups (a logical-corruption recovery).
     * Acts in the resource's account and region unless `region` names the recovery region, which needs
     * automated backups replicated there.
     */
    restorePointInTime: z
      .strictObject({ latest: z.literal(true).optional(), at: z.iso.datetime({ offset: true }).optional(), region: regionRef.optional() })
      .refine((p) => (p.latest === true) !== (p.at !== undefined), { error: 'give exactly one of "latest: true" or "at"' })
      .optional(),
    /** Restore the latest (or a chosen) snapshot copied to the recovery account and region. */
    restoreSnapshot: z.strictObject({ pick: pick.optional(), within: duration.optional() }).optional(),
    /** Aurora: fail the global cluster over to the recovery region's cluster. */
    clusterFailover: z.strictObject({ globalCluster: z.string().min(1), targetCluster: z.string().min(1) }).optional(),
  })
  .refine((f) => [f.promoteReplica, f.restorePointInTime, f.restoreSnapshot, f.clusterFailover].filter(Boolean).length === 1, {
    error: 'give exactly one failover action: promoteReplica, restorePointInTime, restoreSnapshot or clusterFailover',
  });

export const RecoveryPointSourceSchema = z
  .strictObject({
    /** An AWS Backup vault in the resource's account holding its recovery points. */
    backupVault: z.string().min(1).optional(),
    /** RDS snapshots of the resource. */
    snapshots: z.enum(['automated', 'manual', 'any'], { error: 'expected "automated", "manual" or "any"' }).optional(),
    pick: pick.default('latest'),
    /** Only recovery points younger than this count; none in the window is an RPO breach. */
    within: duration,
  })
  .refine((s) => (s.backupVault !== undefined) !== (s.snapshots !== undefined), { error: 'give exactly one of "backupVault" or "snapshots"' });

export const ResourceSchema = z
  .strictObject({
    id: name,
    /** The production database: an RDS instance or an Aurora cluster. */
    rds: z
      .strictObject({ instance: z.string().min(1).optional(), cluster: z.string().min(1).optional() })
      .refine((r) => (r.instance !== undefined) !== (r.cluster !== undefined), { error: 'give exactly one of "instance" or "cluster"' }),
    /** Account alias the resource lives in (default: the production account). */
    account: alias.optional(),
    region: regionRef.optional(),
    /** Secret (Secrets Manager name or ARN, in the account where the copy is validated) with username and password. */
    credentials: z.strictObject({ secret: z.string().min(1), database: z.string().min(1).optional() }).optional(),
    failover: FailoverSchema.optional(),
    restoreTest: z
      .strictObject({
        from: RecoveryPointSourceSchema,
        into: TargetSchema.partial().optional(),
        /** Each resource must pass a restore test at least this often (`drctl history` flags it otherwise; default 7d). */
        every: duration.optional(),
      })
      .optional(),
    validate: z.array(ValidationCheckSchema).optional(),
  });

export const TierSchema = z.strictObject({
  name,
  dependsOn: z.array(name).optional(),
  objectives: z.strictObject({ rto: duration, rpo: duration }),
  /** Resources of this tier failed over at the same time. */
  parallelism: z.number().int().min(1).max(100).optional(),
  /** An approval gate before this tier's changes in an incident run. */
  approvalGate: z.boolean().optional(),
  resources: z.array(ResourceSchema).min(1, { error: 'a tier needs at least one resource' }),
});

export const TrafficSwitchSchema = z.strictObject({
  name,
  route53: z.strictObject({
    zone: z.string().min(1),
    record: z.string().min(1),
    type: z.enum(['CNAME', 'A', 'AAAA']).default('CNAME'),
    /** Value the record gets on failover (e.g. the recovery region's endpoint name). */
    recoveryValue: z.string().min(1).optional(),
    /** Value the record gets back on failback (default: its value before the failover). */
    primaryValue: z.string().min(1).optional(),
    ttl: z.number().int().min(0).max(86400).optional(),
  }),
  /** Tiers that must be validated before traffic moves. */
  after: z.array(name).min(1),
});

export const RunbookSchema = z.strictObject({
  apiVersion: z.literal('drctl/v1', { error: 'expected "drctl/v1"' }),
  kind: z.literal('Runbook', { error: 'expected "Runbook"' }),
  metadata: z.strictObject({
    name,
    owner: z.string().min(1),
    description: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  accounts: z.record(alias, AccountSchema),
  regions: z.strictObject({ primary: regionName, recovery: regionName }),
  approvals: z
    .strictObject({ incident: ApprovalPolicySchema.optional(), drill: ApprovalPolicySchema.optional(), failback: ApprovalPolicySchema.optional() })
    .optional(),
  /** Default target for restore tests: must be the isolated account. */
  restoreTest: TargetSchema.optional(),
  /** Default target for failover restores and drill copies (the recovery account). */
  recovery: TargetSchema.partial({ securityGroups: true, subnetGroup: true }).optional(),
  tiers: z.array(TierSchema).min(1, { error: 'a runbook needs at least one tier' }),
  traffic: z.array(TrafficSwitchSchema).optional(),
  /** After an incident failover: how to return to the primary region. */
  failback: z
    .strictObject({
      /** Replication lag below which the primary side may take over again. */
      maxLag: duration.optional(),
      /** Keep the recovery-side copies as the new replicas instead of deleting them. */
      keepRecoveryCopies: z.boolean().optional(),
    })
    .optional(),
  /** Where run events are published: started, approval needed, step failed, objective breached, finished. */
  notifications: z
    .strictObject({
      sns: z.strictObject({ topicArn: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/, { error: 'expected an SNS topic ARN' }) }).optional(),
      webhook: z.strictObject({ url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }) }).optional(),
      on: z.array(z.enum(['run-started', 'approval-needed', 'step-failed', 'objective-breached', 'run-finished'])).min(1).optional(),
    })
    .optional(),
});

export type Runbook = z.output<typeof RunbookSchema>;
export type Account = z.output<typeof AccountSchema>;
export type Tier = z.output<typeof TierSchema>;
export type Resource = z.output<typeof ResourceSchema>;
export type ValidationCheck = z.output<typeof ValidationCheckSchema>;
export type Target = z.output<typeof TargetSchema>;
export type RecoveryPointSource = z.output<typeof RecoveryPointSourceSchema>;
export type TrafficSwitch = z.output<typeof TrafficSwitchSchema>;
export type ApprovalPolicy = z.output<typeof ApprovalPolicySchema>;
export type Notifications = NonNullable<Runbook['notifications']>;
