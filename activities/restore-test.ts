/**
 * Activities of an isolated restore test. Each is idempotent: names and tokens derive from the run
 * key and the step, and each describes before it creates, so a retry or a restarted worker picks up
 * what an earlier attempt started instead of starting it again.
 */
import { ApplicationFailure } from '@temporalio/activity';
import {
  AddTagsToResourceCommand, CopyDBSnapshotCommand, DeleteDBInstanceCommand, DeleteDBSnapshotCommand, DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand, DescribeDBSubnetGroupsCommand, ModifyDBSnapshotAttributeCommand, RestoreDBInstanceFromDBSnapshotCommand,
  type Tag,
} from '@aws-sdk/client-rds';
import {
  DeleteRecoveryPointCommand, DescribeCopyJobCommand, DescribeRecoveryPointCommand, DescribeRestoreJobCommand, GetRestoreJobMetadataCommand,
  ListRecoveryPointsByBackupVaultCommand, ListRestoreJobsCommand, PutRestoreValidationResultCommand, StartCopyJobCommand, StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import { DescribeRouteTablesCommand, DescribeSecurityGroupsCommand, DescribeTransitGatewayVpcAttachmentsCommand, DescribeVpcPeeringConnectionsCommand } from '@aws-sdk/client-ec2';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import {
  clientToken, isolationProblems, pickRecoveryPoint, rdsIdentifier, TAG_RUN,
  type NetworkFacts, type RecoveryPointCandidate,
} from '../runbooks';
import { isNotFound, type AwsSessions } from './aws';
import { describeInstance as describeInstanceIn, describeSnapshot as describeSnapshotIn, instanceAvailable as instanceAvailableIn, runTags, snapshotAvailable as snapshotAvailableIn } from './rds';
import { runChecks } from './sql';
import { waitFor } from './wait';
import type {
  CleanupInput, CleanupResult, CopyRecoveryPointInput, CopyResult, CopySnapshotInput, IsolationInput, IsolationResult, LeakScanInput,
  LeakScanResult, RestoreInput, RestoreResult, Scope, SelectInput, SelectResult, ShareInput, ShareResult, ValidateInput, ValidateResult,
} from './types';

const iso = (d: Date | undefined) => (d ? d.toISOString() : new Date().toISOString());

const tags = (s: Scope, step: string, purpose = 'restore-test'): Tag[] => runTags(s, step, purpose);

export function createRestoreTestActivities(aws: AwsSessions) {
  const rds = (s: Scope) => aws.rds(s.account, s.region, s.runKey);
  const backup = (s: Scope) => aws.backup(s.account, s.region, s.runKey);
  const ec2 = (s: Scope) => aws.ec2(s.account, s.region, s.runKey);

  const describeInstance = (s: Scope, id: string) => describeInstanceIn(rds(s), id);
  const describeSnapshot = (s: Scope, id: string) => describeSnapshotIn(rds(s), id);
  const snapshotAvailable = (s: Scope, id: string) => snapshotAvailableIn(rds(s), id);
  const instanceAvailable = (s: Scope, id: string) => instanceAvailableIn(rds(s), id);

  return {
    /** Lists the resource's recovery points (vault or snapshots) and picks one per the runbook. */
    async selectRecoveryPoint(i: SelectInput): Promise<SelectResult> {
      const candidates: RecoveryPointCandidate[] = [];
      if (i.source.backupVault) {
        const resourceArn = `arn:aws:rds:${i.region}:${i.account.id}:db:${i.source.instance}`;
        let token: string | undefined;
        do {
          const page = await backup(i).send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: i.source.backupVault, ByResourceArn: resourceArn, NextToken: token }));
          for (const rp of page.RecoveryPoints ?? []) {
            candidates.push({ arn: rp.RecoveryPointArn!, createdAt: iso(rp.CreationDate), kind: 'backup', status: rp.Status ?? 'UNKNOWN', encrypted: rp.IsEncrypted });
          }
          token = page.NextToken;
        } while (token);
      } else {
        const types = i.source.snapshots === 'any' ? ['automated', 'manual'] : [i.source.snapshots!];
        for (const type of types) {
          const res = await rds(i).send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: i.source.instance, SnapshotType: type }));
          for (const snap of res.DBSnapshots ?? []) {
            // Our own staged copies of earlier runs are not recovery points of the resource.
            if (snap.DBSnapshotIdentifier?.startsWith('drctl-')) continue;
            candidates.push({ arn: snap.DBSnapshotArn!, id: snap.DBSnapshotIdentifier, createdAt: iso(snap.SnapshotCreateTime), kind: type === 'automated' ? 'snapshot-automated' : 'snapshot-manual', status: snap.Status ?? 'unknown', encrypted: snap.Encrypted });
          }
        }
      }
      const pick = pickRecoveryPoint(candidates, { pick: i.pick, within: i.within, now: new Date(i.now), seed: i.seed });
      return pick.ok ? { ok: true, chosen: pick.chosen, considered: pick.considered } : { ok: false, reason: pick.reason, considered: pick.considered };
    },

    /**
     * Shares a snapshot with the isolated account through a staged manual copy tagged with the run:
     * automated snapshots cannot be shared, and production's own snapshots are never modified (not even
     * their share list). The staged copy is drctl's, and cleanup deletes it, which also ends the share.
     */
    async shareSnapshot(i: ShareInput): Promise<ShareResult> {
      const stagedSnapshotId = rdsIdentifier('drctl-stage', i.runKey, i.resourceId);
      if (!(await describeSnapshot(i, stagedSnapshotId))) {
        await rds(i).send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: i.snapshot.id!, TargetDBSnapshotIdentifier: stagedSnapshotId, Tags: tags(i, `${i.resourceId}/share`) }));
      }
      const staged = await snapshotAvailable(i, stagedSnapshotId);
      await rds(i).send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: stagedSnapshotId, AttributeName: 'restore', ValuesToAdd: [i.targetAccountId] }));
      return { sharedSnapshotArn: staged.DBSnapshotArn!, stagedSnapshotId };
    },

    /** Copies a shared snapshot into this (the isolated) account, under its own KMS key. */
    async copySnapshot(i: CopySnapshotInput): Promise<CopyResult> {
      const id = rdsIdentifier('drctl-copy', i.runKey, i.resourceId);
      const startedAt = new Date().toISOString();
      if (!(await describeSnapshot(i, id))) {
        await rds(i).send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: i.sourceSnapshotArn, TargetDBSnapshotIdentifier: id, KmsKeyId: i.kmsKey, Tags: tags(i, `${i.resourceId}/copy`) }));
      }
      const snap = await snapshotAvailable(i, id);
      return { arn: snap.DBSnapshotArn!, snapshotId: id, startedAt, completedAt: new Date().toISOString() };
    },

    /** AWS Backup copy job from the source vault into the isolated account's vault (token-idempotent). */
    async copyRecoveryPoint(i: CopyRecoveryPointInput): Promise<CopyResult> {
      const started = await backup(i).send(new StartCopyJobCommand({
        RecoveryPointArn: i.recoveryPointArn,
        SourceBackupVaultName: i.sourceVault,
        DestinationBackupVaultArn: `arn:aws:backup:${i.targetRegion}:${i.targetAccountId}:backup-vault:${i.targetVault}`,
        IamRoleArn: `arn:aws:iam::${i.account.id}:role/service-role/AWSBackupDefaultServiceRole`,
        IdempotencyToken: clientToken(i.runKey, `${i.resourceId}/copy`),
      }));
      const job = await waitFor(async () => {
        const { CopyJob: j } = await backup(i).send(new DescribeCopyJobCommand({ CopyJobId: started.CopyJobId! }));
        if (j?.State === 'FAILED' || (j?.State as string) === 'ABORTED' || j?.State === 'PARTIAL') throw ApplicationFailure.nonRetryable(`copy job ${started.CopyJobId} ${j?.State}: ${j?.StatusMessage ?? ''}`, 'CopyFailed');
        return j?.State === 'COMPLETED' ? j : undefined;
      }, { what: `copy job ${started.CopyJobId}` });
      return { arn: job.DestinationRecoveryPointArn!, jobId: job.CopyJobId, startedAt: iso(job.CreationDate), completedAt: iso(job.CompletionDate) };
    },

    /** Proves the target network is isolated before anything is restored into it. */
    async checkIsolation(i: IsolationInput): Promise<IsolationResult> {
      const groups = await rds(i).send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: i.target.subnetGroup })).catch((err) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
      const vpcId = groups?.DBSubnetGroups?.[0]?.VpcId;
      if (!vpcId) return { isolated: false, problems: [`subnet group ${i.target.subnetGroup} not found in ${i.account.alias} ${i.region}`], securityGroupIds: [] };
      const routes = (await ec2(i).send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).RouteTables ?? [];
      const peerings = [
        ...((await ec2(i).send(new DescribeVpcPeeringConnectionsCommand({ Filters: [{ Name: 'requester-vpc-info.vpc-id', Values: [vpcId] }] }))).VpcPeeringConnections ?? []),
        ...((await ec2(i).send(new DescribeVpcPeeringConnectionsCommand({ Filters: [{ Name: 'accepter-vpc-info.vpc-id', Values: [vpcId] }] }))).VpcPeeringConnections ?? []),
      ].filter((p) => !['deleted', 'rejected', 'failed', 'expired'].includes(p.Status?.Code ?? ''));
      const attachments = ((await ec2(i).send(new DescribeTransitGatewayVpcAttachmentsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).TransitGatewayVpcAttachments ?? [])
        .filter((a) => !['deleted', 'deleting'].includes(a.State ?? ''));
      const byName = i.target.securityGroups.filter((g) => !g.startsWith('sg-'));
      const byId = i.target.securityGroups.filter((g) => g.startsWith('sg-'));
      const sgs = [
        ...(byName.length ? (await ec2(i).send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'group-name', Values: byName }] }))).SecurityGroups ?? [] : []),
        ...(byId.length ? (await ec2(i).send(new DescribeSecurityGroupsCommand({ GroupIds: byId }))).SecurityGroups ?? [] : []),
      ];
      const facts: NetworkFacts = {
        accountId: i.account.id,
        vpcId,
        routes: routes.flatMap((t) => (t.Routes ?? []).map((r) => ({
          routeTableId: t.RouteTableId!, destination: r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock ?? r.DestinationPrefixListId ?? '?',
          gatewayId: r.GatewayId && r.GatewayId !== 'local' ? r.GatewayId : undefined, natGatewayId: r.NatGatewayId, vpcPeeringConnectionId: r.VpcPeeringConnectionId, transitGatewayId: r.TransitGatewayId,
        }))),
        peeringConnections: peerings.map((p) => p.VpcPeeringConnectionId!),
        transitGatewayAttachments: attachments.map((a) => a.TransitGatewayAttachmentId!),
        securityGroups: sgs.map((g) => ({
          groupId: g.GroupId!,
          openIngress: (g.IpPermissions ?? []).flatMap((p) => [...(p.IpRanges ?? []).map((r) => r.CidrIp), ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)]).filter((c): c is string => c === '0.0.0.0/0' || c === '::/0'),
        })),
      };
      const problems = isolationProblems(facts, { isolatedAccountIds: i.isolatedAccountIds, productionAccountIds: i.productionAccountIds });
      const found = new Set(sgs.flatMap((g) => [g.GroupId, g.GroupName]));
      for (const g of i.target.securityGroups) if (!found.has(g)) problems.push(`security group ${g} not found in VPC ${vpcId}`);
      for (const g of sgs) if (g.VpcId !== vpcId) problems.push(`security group ${g.GroupId} is in VPC ${g.VpcId}, not in ${vpcId}`);
      return { isolated: problems.length === 0, problems, vpcId, securityGroupIds: sgs.map((g) => g.GroupId!) };
    },

    /** Restores the copied snapshot or recovery point into the isolated subnet group. */
    async restore(i: RestoreInput): Promise<RestoreResult> {
      const identifier = rdsIdentifier('drctl-rt', i.runKey, i.resourceId);
      const step = `${i.resourceId}/restore`;
      if ('snapshotId' in i.from) {
        const existing = await describeInstance(i, identifier);
        let startedAt = existing?.InstanceCreateTime?.toISOString();
        if (!existing) {
          const res = await rds(i).send(new RestoreDBInstanceFromDBSnapshotCommand({
            DBInstanceIdentifier: identifier, DBSnapshotIdentifier: i.from.snapshotId, DBSubnetGroupName: i.target.subnetGroup,
            VpcSecurityGroupIds: i.securityGroupIds, DBInstanceClass: i.target.instanceClass, PubliclyAccessible: false, DeletionProtection: false,
            Tags: tags(i, step),
          }));
          startedAt = res.DBInstance?.InstanceCreateTime?.toISOString() ?? new Date().toISOString();
        }
        const db = await instanceAvailable(i, identifier);
        // RDS has no job record for a restore: start is the instance's create time, end is when it first reported available.
        return { identifier, arn: db.DBInstanceArn!, startedAt: startedAt ?? iso(db.InstanceCreateTime), completedAt: new Date().toISOString(), timestampSource: 'rds:InstanceCreateTime..first-available' };
      }
      const started = await backup(i).send(new StartRestoreJobCommand({
        RecoveryPointArn: i.from.recoveryPointArn,
        ResourceType: 'RDS',
        IamRoleArn: i.target.backupRole ?? `arn:aws:iam::${i.account.id}:role/service-role/AWSBackupDefaultServiceRole`,
        IdempotencyToken: clientToken(i.runKey, step),
        Metadata: { DBInstanceIdentifier: identifier, DBSubnetGroupName: i.target.subnetGroup, VpcSecurityGroupIds: JSON.stringify(i.securityGroupIds), PubliclyAccessible: 'false', ...(i.target.instanceClass ? { DBInstanceClass: i.target.instanceClass } : {}) },
      }));
      const job = await waitFor(async () => {
        const j = await backup(i).send(new DescribeRestoreJobCommand({ RestoreJobId: started.RestoreJobId! }));
        if (j.Status === 'FAILED' || j.Status === 'ABORTED') throw ApplicationFailure.nonRetryable(`restore job ${j.RestoreJobId} ${j.Status}: ${j.StatusMessage ?? ''}`, 'RestoreFailed');
        return j.Status === 'COMPLETED' ? j : undefined;
      }, { what: `restore job ${started.RestoreJobId}` });
      const db = await instanceAvailable(i, identifier);
      await rds(i).send(new AddTagsToResourceCommand({ ResourceName: db.DBInstanceArn!, Tags: tags(i, step) }));
      return { identifier, arn: job.CreatedResourceArn ?? db.DBInstanceArn!, restoreJobId: job.RestoreJobId, startedAt: iso(job.CreationDate), completedAt: iso(job.CompletionDate), timestampSource: 'backup:RestoreJob.CreationDate..CompletionDate' };
    },

    /** Runs the runbook's SQL checks against the restored copy; freshness gives the data-level RPO. */
    async validate(i: ValidateInput): Promise<ValidateResult> {
      const db = await describeInstance(i, i.identifier);
      if (!db?.Endpoint?.Address) throw new Error(`restored instance ${i.identifier} has no endpoint`);
      const secret = await aws.secrets(i.account, i.region, i.runKey).send(new GetSecretValueCommand({ SecretId: i.secret }));
      const creds = JSON.parse(secret.SecretString ?? '{}') as { username?: string; password?: string };
      if (!creds.username || !creds.password) throw ApplicationFailure.nonRetryable(`secret ${i.secret} has no username/password`, 'BadSecret');
      const database = i.database ?? db.DBName ?? 'postgres';
      const checks = await runChecks({ host: db.Endpoint.Address, port: db.Endpoint.Port ?? 5432, database, user: creds.username, password: creds.password }, i.checks);
      const fresh = checks.filter((c) => c.freshness && c.passed && c.value).map((c) => c.value!).sort();
      return { passed: checks.every((c) => c.passed), checks, newestRow: fresh.length ? new Date(fresh[fresh.length - 1]).toISOString() : null, validatedAt: new Date().toISOString(), endpoint: `${db.Endpoint.Address}:${db.Endpoint.Port}/${database}` };
    },

    /** Reports the validation outcome on the AWS Backup restore job. */
    async reportRestoreValidation(i: Scope & { restoreJobId: string; passed: boolean; message: string }): Promise<void> {
      await backup(i).send(new PutRestoreValidationResultCommand({ RestoreJobId: i.restoreJobId, ValidationStatus: i.passed ? 'SUCCESSFUL' : 'FAILED', ValidationStatusMessage: i.message.slice(0, 1000) }));
    },

    /**
     * Deletes everything the run created for a resource. Works from derived names as well as from what
     * earlier steps reported, so it also cleans up after a step that was cancelled before it returned.
     */
    async cleanup(i: CleanupInput): Promise<CleanupResult> {
      const deleted: string[] = [];
      const problems: string[] = [];
      const restored = i.known.restoredIdentifier ?? rdsIdentifier('drctl-rt', i.runKey, i.resourceId);
      // A Backup restore job still running would create the instance after we looked: wait for ours to end.
      await waitFor(async () => {
        const jobs = await backup(i).send(new ListRestoreJobsCommand({ ByStatus: 'RUNNING' }));
        const pending = await backup(i).send(new ListRestoreJobsCommand({ ByStatus: 'PENDING' }));
        for (const j of [...(jobs.RestoreJobs ?? []), ...(pending.RestoreJobs ?? [])]) {
          const meta = await backup(i).send(new GetRestoreJobMetadataCommand({ RestoreJobId: j.RestoreJobId! }));
          if (meta.Metadata?.DBInstanceIdentifier === restored) return undefined;
        }
        return true;
      }, { what: `restore jobs for ${restored} to end`, timeoutMs: 3_600_000 });
      const db = await waitFor(async () => {
        const d = await describeInstance(i, restored);
        if (!d) return { gone: true as const };
        return ['creating', 'modifying', 'backing-up', 'rebooting', 'renaming'].includes(d.DBInstanceStatus ?? '') ? undefined : { gone: false as const, d };
      }, { what: `instance ${restored} settled` });
      if (!db.gone) {
        if (db.d.DBInstanceStatus !== 'deleting') {
          await rds(i).send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: restored, SkipFinalSnapshot: true, DeleteAutomatedBackups: true })).catch((err) => {
            if (!isNotFound(err)) throw err;
          });
        }
        await waitFor(async () => ((await describeInstance(i, restored)) ? undefined : true), { what: `instance ${restored} deleted` });
        deleted.push(db.d.DBInstanceArn!);
      }
      const copied = i.known.copiedSnapshotId ?? rdsIdentifier('drctl-copy', i.runKey, i.resourceId);
      const snap = await describeSnapshot(i, copied);
      if (snap) {
        if (snap.Status === 'creating') await snapshotAvailable(i, copied).catch(() => undefined);
        await rds(i).send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: copied })).catch((err) => {
          if (!isNotFound(err)) throw err;
        });
        deleted.push(snap.DBSnapshotArn!);
      }
      if (i.known.copiedRecoveryPointArn && i.targetVault) {
        try {
          await backup(i).send(new DescribeRecoveryPointCommand({ BackupVaultName: i.targetVault, RecoveryPointArn: i.known.copiedRecoveryPointArn }));
          await backup(i).send(new DeleteRecoveryPointCommand({ BackupVaultName: i.targetVault, RecoveryPointArn: i.known.copiedRecoveryPointArn }));
          deleted.push(i.known.copiedRecoveryPointArn);
        } catch (err) {
          if (!isNotFound(err)) problems.push(`recovery point ${i.known.copiedRecoveryPointArn}: ${(err as Error).message}`);
        }
      }
      // The staged manual snapshot in the source account is drctl's own; deleting it also ends the share.
      const src: Scope = { ...i, account: i.source.account, region: i.source.region };
      const staged = i.known.stagedSnapshotId ?? rdsIdentifier('drctl-stage', i.runKey, i.resourceId);
      const stagedSnap = await describeSnapshot(src, staged);
      if (stagedSnap) {
        const tagList = stagedSnap.TagList ?? [];
        if (tagList.length > 0 && !tagList.some((t) => t.Key === TAG_RUN && t.Value === i.runKey)) {
          problems.push(`snapshot ${staged} is not tagged with this run; left in place`);
        } else {
          if (stagedSnap.Status === 'creating') await snapshotAvailable(src, staged).catch(() => undefined);
          await rds(src).send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: staged })).catch((err) => {
            if (!isNotFound(err)) throw err;
          });
          deleted.push(stagedSnap.DBSnapshotArn!);
        }
      }
      return { deleted, problems };
    },

    /** Anything in the account still tagged with the run, or listed by the run, is a leak. */
    async leakScan(i: LeakScanInput): Promise<LeakScanResult> {
      const leaks: string[] = [];
      let scanned = 0;
      const tagged = (list?: Tag[]) => (list ?? []).some((t) => t.Key === TAG_RUN && t.Value === i.runKey);
      for (const db of (await rds(i).send(new DescribeDBInstancesCommand({}))).DBInstances ?? []) {
        scanned++;
        if (tagged(db.TagList) || db.DBInstanceIdentifier?.includes(i.runKey)) leaks.push(db.DBInstanceArn!);
      }
      for (const snap of (await rds(i).send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual' }))).DBSnapshots ?? []) {
        scanned++;
        if (tagged(snap.TagList) || snap.DBSnapshotIdentifier?.includes(i.runKey)) leaks.push(snap.DBSnapshotArn!);
      }
      if (i.vault) {
        const points = (await backup(i).send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: i.vault }))).RecoveryPoints ?? [];
        scanned += points.length;
        for (const rp of points) if (i.arns.includes(rp.RecoveryPointArn!)) leaks.push(rp.RecoveryPointArn!);
      }
      return { leaks, scanned };
    },
  };
}

export type RestoreTestActivities = ReturnType<typeof createRestoreTestActivities>;
