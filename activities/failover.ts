/**
 * Activities of failover runs (drills and incidents) and failbacks. Idempotent like the restore-test
 * activities: names derive from the run key and resource, and each describes before it acts.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CopyDBSnapshotCommand, CreateDBInstanceReadReplicaCommand, CreateDBSnapshotCommand, DeleteDBInstanceCommand, DeleteDBSnapshotCommand, DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand, DescribeDBSubnetGroupsCommand, DescribeGlobalClustersCommand, FailoverGlobalClusterCommand, ModifyDBSnapshotAttributeCommand,
  PromoteReadReplicaCommand, RestoreDBInstanceFromDBSnapshotCommand, RestoreDBInstanceToPointInTimeCommand, type DBInstance, type Tag,
} from '@aws-sdk/client-rds';
import { ChangeResourceRecordSetsCommand, GetChangeCommand, ListHostedZonesByNameCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { Client } from 'pg';
import { pickRecoveryPoint, rdsIdentifier, TAG_RUN, type RecoveryPointCandidate } from '../runbooks';
import { isNotFound, type AwsSessions } from './aws';
import { describeInstance as describeInstanceIn, describeSnapshot as describeSnapshotIn, instanceAvailable as instanceAvailableIn, runTags, snapshotAvailable as snapshotAvailableIn } from './rds';
import { waitFor } from './wait';
import type { Scope } from './types';

export type PreflightCheck =
  | { kind: 'instance'; name: string; replica?: boolean }
  | { kind: 'snapshot-of'; name: string }
  | { kind: 'subnet-group'; name: string }
  | { kind: 'security-groups'; names: string[] }
  | { kind: 'kms-key'; name: string }
  | { kind: 'hosted-zone'; name: string; record?: string }
  | { kind: 'secret'; name: string }
  | { kind: 'global-cluster'; name: string };

export interface InstanceResult {
  identifier: string;
  arn: string;
  startedAt: string;
  completedAt: string;
  /** Time of the data this instance holds (snapshot time, PITR restore time, promotion − lag). */
  recoveryPointTime?: string;
  recoveryPointSource?: 'replica-lag' | 'pitr-restore-time' | 'snapshot-time';
  lagSeconds?: number;
}

const iso = (d?: Date) => (d ?? new Date()).toISOString();

const tags = runTags;

export function createFailoverActivities(aws: AwsSessions) {
  const rds = (s: Scope) => aws.rds(s.account, s.region, s.runKey);
  const ec2 = (s: Scope) => aws.ec2(s.account, s.region, s.runKey);
  const r53 = (s: Scope) => aws.make(Route53Client, s.account, s.region, s.runKey);

  const describeInstance = (s: Scope, id: string) => describeInstanceIn(rds(s), id);
  const describeSnapshot = (s: Scope, id: string) => describeSnapshotIn(rds(s), id);
  const available = (s: Scope, id: string, extra?: (db: DBInstance) => boolean) => instanceAvailableIn(rds(s), id, extra);
  const snapshotAvailable = (s: Scope, id: string) => snapshotAvailableIn(rds(s), id);
  const securityGroupIds = async (s: Scope, names: string[]): Promise<string[]> => {
    const byName = names.filter((n) => !n.startsWith('sg-'));
    const found = byName.length ? ((await ec2(s).send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: byName }] }))).SecurityGroups ?? []) : [];
    const missing = byName.filter((n) => !found.some((g) => g.GroupName === n));
    if (missing.length) throw ApplicationFailure.nonRetryable(`security groups not found in ${s.account.alias} ${s.region}: ${missing.join(', ')}`, 'NotFound');
    return [...names.filter((n) => n.startsWith('sg-')), ...found.map((g) => g.GroupId!)];
  };
  /** Deletes an instance (failback's decommission of the recovery side), idempotently. */
  const deleteInstance = async (i: Scope & { identifier: string }): Promise<{ deleted?: string }> => {
    const db = await describeInstance(i, i.identifier);
    if (!db) return {};
    if (db.DBInstanceStatus !== 'deleting') await rds(i).send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: i.identifier, SkipFinalSnapshot: true })).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
    await waitFor(async () => ((await describeInstance(i, i.identifier)) ? undefined : true), { what: `instance ${i.identifier} deleted` });
    return { deleted: db.DBInstanceArn };
  };
  const hostedZoneId = async (s: Scope, zone: string): Promise<string> => {
    if (/^Z[A-Z0-9]+$/.test(zone)) return zone;
    const res = await r53(s).send(new ListHostedZonesByNameCommand({ DNSName: zone }));
    const hit = res.HostedZones?.find((z) => z.Name?.replace(/\.$/, '') === zone.replace(/\.$/, ''));
    if (!hit) throw ApplicationFailure.nonRetryable(`hosted zone ${zone} not found in ${s.account.alias}`, 'NotFound');
    return hit.Id!.replace('/hostedzone/', '');
  };
  const recordValue = async (s: Scope, zoneId: string, record: string, type: string): Promise<string | undefined> => {
    const res = await r53(s).send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: record, StartRecordType: type as 'CNAME', MaxItems: 1 }));
    const rr = res.ResourceRecordSets?.find((r) => r.Name?.replace(/\.$/, '') === record.replace(/\.$/, '') && r.Type === type);
    return rr?.ResourceRecords?.[0]?.Value;
  };

  return {
    /** Checks everything a plan needs exists and is usable in this account and region; reports all problems. */
    async preflight(i: Scope & { checks: PreflightCheck[] }): Promise<{ problems: string[]; checked: number }> {
      const problems: string[] = [];
      const where = `${i.account.alias} (${i.account.id}) ${i.region}`;
      for (const c of i.checks) {
        try {
          if (c.kind === 'instance') {
            const db = await describeInstance(i, c.name);
            if (!db) problems.push(`instance ${c.name} not found in ${where}`);
            else if (c.replica && !db.ReadReplicaSourceDBInstanceIdentifier) problems.push(`instance ${c.name} in ${where} is not a read replica`);
            else if (db.DBInstanceStatus !== 'available') problems.push(`instance ${c.name} in ${where} is ${db.DBInstanceStatus}`);
          } else if (c.kind === 'snapshot-of') {
            const snaps = (await rds(i).send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: c.name }))).DBSnapshots ?? [];
            if (!snaps.some((x) => x.Status === 'available')) problems.push(`no available snapshot of ${c.name} in ${where}`);
          } else if (c.kind === 'subnet-group') {
            const g = await rds(i).send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: c.name })).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
            if (!g?.DBSubnetGroups?.length) problems.push(`subnet group ${c.name} not found in ${where}`);
          } else if (c.kind === 'security-groups') {
            await securityGroupIds(i, c.names).catch((e: Error) => problems.push(e.message));
          } else if (c.kind === 'kms-key') {
            const key = await aws.make(KMSClient, i.account, i.region, i.runKey).send(new DescribeKeyCommand({ KeyId: c.name })).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
            if (!key?.KeyMetadata) problems.push(`KMS key ${c.name} not found in ${where}`);
            else if (key.KeyMetadata.Enabled === false) problems.push(`KMS key ${c.name} in ${where} is disabled`);
          } else if (c.kind === 'hosted-zone') {
            const zoneId = await hostedZoneId(i, c.name);
            if (c.record) {
              const rr = await r53(i).send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
              if (!rr.ResourceRecordSets?.some((r) => r.Name?.replace(/\.$/, '') === c.record)) problems.push(`record ${c.record} not found in zone ${c.name}`);
            }
          } else if (c.kind === 'secret') {
            await aws.secrets(i.account, i.region, i.runKey).send(new DescribeSecretCommand({ SecretId: c.name })).catch((e) => (isNotFound(e) ? problems.push(`secret ${c.name} not found in ${where}`) : Promise.reject(e)));
          } else if (c.kind === 'global-cluster') {
            const g = await rds(i).send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: c.name })).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
            if (!g?.GlobalClusters?.length) problems.push(`global cluster ${c.name} not found in ${where}`);
          }
        } catch (err) {
          problems.push(`${c.kind} ${'name' in c ? c.name : c.names.join(',')} in ${where}: ${(err as Error).message}`);
        }
      }
      return { problems, checked: i.checks.length };
    },

    /** A drill's own snapshot of an instance or replica (the instance itself is not touched). */
    async snapshotInstance(i: Scope & { instance: string; resourceId: string; purpose: string }): Promise<{ snapshotId: string; arn: string; createdAt: string }> {
      const id = rdsIdentifier(`drctl-${i.purpose}`, i.runKey, i.resourceId);
      if (!(await describeSnapshot(i, id))) {
        await rds(i).send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: i.instance, DBSnapshotIdentifier: id, Tags: tags(i, `${i.resourceId}/snapshot`, i.purpose) }));
      }
      const snap = await snapshotAvailable(i, id);
      return { snapshotId: id, arn: snap.DBSnapshotArn!, createdAt: iso(snap.SnapshotCreateTime) };
    },

    /** Shares a snapshot drctl made itself with another account. */
    async shareOwnSnapshot(i: Scope & { snapshotId: string; withAccountId: string }): Promise<{ sharedWith: string }> {
      const snap = await describeSnapshot(i, i.snapshotId);
      if (!snap?.TagList?.some((t) => t.Key === TAG_RUN && t.Value === i.runKey)) throw ApplicationFailure.nonRetryable(`snapshot ${i.snapshotId} is not drctl's own for this run; refusing to share it`, 'NotOwned');
      await rds(i).send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: i.snapshotId, AttributeName: 'restore', ValuesToAdd: [i.withAccountId] }));
      return { sharedWith: i.withAccountId };
    },

    /** Copies a shared snapshot (any account or region) into this account and region. */
    async copyIn(i: Scope & { resourceId: string; sourceArn: string; kmsKey?: string; purpose: string }): Promise<{ snapshotId: string; arn: string; createdAt: string }> {
      const id = rdsIdentifier(`drctl-${i.purpose}-copy`, i.runKey, i.resourceId);
      if (!(await describeSnapshot(i, id))) {
        await rds(i).send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: i.sourceArn, TargetDBSnapshotIdentifier: id, KmsKeyId: i.kmsKey, Tags: tags(i, `${i.resourceId}/copy`, i.purpose) }));
      }
      const snap = await snapshotAvailable(i, id);
      return { snapshotId: id, arn: snap.DBSnapshotArn!, createdAt: iso(snap.SnapshotCreateTime) };
    },

    /** The snapshot copy of `instance` in this account to fail over to (DR copies keep the source's instance id). */
    async findSnapshotCopy(i: Scope & { instance: string; pick: 'latest' | 'random'; within?: string; now: string; seed: string }): Promise<RecoveryPointCandidate> {
      const snaps = (await rds(i).send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: i.instance }))).DBSnapshots ?? [];
      const candidates = snaps.filter((s) => !s.DBSnapshotIdentifier?.startsWith('drctl-')).map((s): RecoveryPointCandidate => ({ arn: s.DBSnapshotArn!, id: s.DBSnapshotIdentifier, createdAt: iso(s.SnapshotCreateTime), kind: s.SnapshotType === 'automated' ? 'snapshot-automated' : 'snapshot-manual', status: s.Status ?? '' }));
      const pick = pickRecoveryPoint(candidates, { pick: i.pick, within: i.within ?? '3650d', now: new Date(i.now), seed: i.seed });
      if (!pick.ok) throw ApplicationFailure.nonRetryable(`no snapshot copy of ${i.instance} in ${i.account.alias} ${i.region}: ${pick.reason}`, 'NoRecoveryPoint');
      return pick.chosen;
    },

    /** Restores an instance from a snapshot in this account into the given network. */
    async restoreFromSnapshot(i: Scope & { resourceId: string; snapshotId: string; snapshotTime: string; subnetGroup?: string; securityGroups?: string[]; purpose: string }): Promise<InstanceResult> {
      const id = rdsIdentifier(`drctl-${i.purpose}`, i.runKey, i.resourceId);
      let db = await describeInstance(i, id);
      if (!db) {
        const sgs = i.securityGroups?.length ? await securityGroupIds(i, i.securityGroups) : undefined;
        db = (await rds(i).send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: id, DBSnapshotIdentifier: i.snapshotId, DBSubnetGroupName: i.subnetGroup, VpcSecurityGroupIds: sgs, PubliclyAccessible: false, Tags: tags(i, `${i.resourceId}/restore`, i.purpose) }))).DBInstance;
      }
      const startedAt = iso(db?.InstanceCreateTime);
      const done = await available(i, id);
      return { identifier: id, arn: done.DBInstanceArn!, startedAt, completedAt: iso(), recoveryPointTime: i.snapshotTime, recoveryPointSource: 'snapshot-time' };
    },

    /** Restores a new instance to a point in time from the source's automated backups. */
    async restoreToPointInTime(i: Scope & { resourceId: string; source: string; at?: string; subnetGroup?: string; securityGroups?: string[]; purpose: string }): Promise<InstanceResult> {
      const id = rdsIdentifier(`drctl-${i.purpose}`, i.runKey, i.resourceId);
      let db = await describeInstance(i, id);
      let restoreTime = i.at;
      if (!db) {
        const src = await describeInstance(i, i.source);
        if (!src) throw ApplicationFailure.nonRetryable(`source instance ${i.source} not found`, 'NotFound');
        restoreTime ??= iso(src.LatestRestorableTime);
        const sgs = i.securityGroups?.length ? await securityGroupIds(i, i.securityGroups) : undefined;
        db = (await rds(i).send(new RestoreDBInstanceToPointInTimeCommand({ SourceDBInstanceIdentifier: i.source, TargetDBInstanceIdentifier: id, RestoreTime: new Date(restoreTime), DBSubnetGroupName: i.subnetGroup, VpcSecurityGroupIds: sgs, PubliclyAccessible: false, Tags: [...tags(i, `${i.resourceId}/restore-point-in-time`, i.purpose), { Key: 'drctl:restore-time', Value: restoreTime }] }))).DBInstance;
      }
      restoreTime ??= db?.TagList?.find((t) => t.Key === 'drctl:restore-time')?.Value ?? iso(db?.InstanceCreateTime);
      const startedAt = iso(db?.InstanceCreateTime);
      const done = await available(i, id);
      return { identifier: id, arn: done.DBInstanceArn!, startedAt, completedAt: iso(), recoveryPointTime: restoreTime, recoveryPointSource: 'pitr-restore-time' };
    },

    /** Promotes a read replica to a standalone writer; its data time is promotion time minus the replica lag. */
    async promoteReplica(i: Scope & { replica: string }): Promise<InstanceResult> {
      let db = await describeInstance(i, i.replica);
      if (!db) throw ApplicationFailure.nonRetryable(`replica ${i.replica} not found in ${i.account.alias} ${i.region}`, 'NotFound');
      const requestedAt = new Date();
      if (db.ReadReplicaSourceDBInstanceIdentifier && db.DBInstanceStatus === 'available') {
        db = (await rds(i).send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: i.replica, BackupRetentionPeriod: 7 }))).DBInstance ?? db;
      }
      const lag = await replicaLagAround(aws.make(CloudWatchClient, i.account, i.region, i.runKey), i.replica, requestedAt);
      const done = await available(i, i.replica, (d) => !d.ReadReplicaSourceDBInstanceIdentifier);
      return {
        identifier: i.replica, arn: done.DBInstanceArn!, startedAt: requestedAt.toISOString(), completedAt: iso(), lagSeconds: lag ?? undefined,
        recoveryPointTime: lag === null ? undefined : new Date(requestedAt.getTime() - lag * 1000).toISOString(), recoveryPointSource: 'replica-lag',
      };
    },

    /** Aurora global database failover (managed, planned). Not available in the sandbox's emulator. */
    async failoverGlobalCluster(i: Scope & { globalCluster: string; targetClusterArn: string }): Promise<{ startedAt: string; completedAt: string }> {
      const startedAt = iso();
      await rds(i).send(new FailoverGlobalClusterCommand({ GlobalClusterIdentifier: i.globalCluster, TargetDbClusterIdentifier: i.targetClusterArn }));
      await waitFor(async () => {
        const g = (await rds(i).send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: i.globalCluster }))).GlobalClusters?.[0];
        const writer = g?.GlobalClusterMembers?.find((m) => m.IsWriter);
        return g?.Status === 'available' && writer?.DBClusterArn === i.targetClusterArn ? true : undefined;
      }, { what: `global cluster ${i.globalCluster} failover` });
      return { startedAt, completedAt: iso() };
    },

    /** Points a DNS record at a value (or, with dryRun, only reads what it is and proves it could change). */
    async switchTraffic(i: Scope & { zone: string; record: string; type: string; value?: string; ttl?: number; dryRun: boolean }): Promise<{ before?: string; after?: string; changeId?: string }> {
      const zoneId = await hostedZoneId(i, i.zone);
      const before = await recordValue(i, zoneId, i.record, i.type);
      if (before === undefined) throw ApplicationFailure.nonRetryable(`record ${i.record} ${i.type} not found in zone ${i.zone}`, 'NotFound');
      if (i.dryRun || !i.value) return { before, after: i.value };
      if (before === i.value) return { before, after: i.value };
      const change = await r53(i).send(new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: { Comment: `drctl ${i.runKey}`, Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: i.record, Type: i.type as 'CNAME', TTL: i.ttl ?? 60, ResourceRecords: [{ Value: i.value }] } }] },
      }));
      const changeId = change.ChangeInfo!.Id!;
      await waitFor(async () => ((await r53(i).send(new GetChangeCommand({ Id: changeId }))).ChangeInfo?.Status === 'INSYNC' ? true : undefined), { what: `DNS change ${changeId}` });
      return { before, after: await recordValue(i, zoneId, i.record, i.type), changeId };
    },

    /** Creates a cross-region read replica of `sourceArn` here (failback's reprotect). */
    async createReplica(i: Scope & { resourceId: string; sourceArn: string; subnetGroup?: string; kmsKey?: string }): Promise<InstanceResult> {
      const id = rdsIdentifier('drctl-fb', i.runKey, i.resourceId);
      let db = await describeInstance(i, id);
      if (!db) {
        db = (await rds(i).send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: id, SourceDBInstanceIdentifier: i.sourceArn, DBSubnetGroupName: i.subnetGroup, KmsKeyId: i.kmsKey, Tags: tags(i, `${i.resourceId}/reprotect`, 'failback') }))).DBInstance;
      }
      const done = await available(i, id);
      return { identifier: id, arn: done.DBInstanceArn!, startedAt: iso(db?.InstanceCreateTime), completedAt: iso() };
    },

    /** Current replication lag of a replica, in seconds (from CloudWatch ReplicaLag), or null if not reported. */
    async replicaLag(i: Scope & { replica: string }): Promise<number | null> {
      return replicaLagAround(aws.make(CloudWatchClient, i.account, i.region, i.runKey), i.replica, new Date());
    },

    /** Fences writes on a database: new transactions are read-only and open sessions are ended. */
    async fenceWrites(i: Scope & { identifier: string; secret: string; database?: string }): Promise<{ fencedAt: string }> {
      const db = await describeInstance(i, i.identifier);
      if (!db?.Endpoint?.Address) throw ApplicationFailure.nonRetryable(`instance ${i.identifier} has no endpoint`, 'NotFound');
      const secret = await aws.secrets(i.account, i.region, i.runKey).send(new GetSecretValueCommand({ SecretId: i.secret }));
      const creds = JSON.parse(secret.SecretString ?? '{}') as { username: string; password: string };
      const database = i.database ?? db.DBName ?? 'postgres';
      const client = new Client({ host: db.Endpoint.Address, port: db.Endpoint.Port, database, user: creds.username, password: creds.password, connectionTimeoutMillis: 10_000, application_name: 'drctl-fence' });
      await client.connect();
      try {
        await client.query(`alter database "${database.replace(/"/g, '""')}" set default_transaction_read_only = on`);
        await client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
      } finally {
        await client.end().catch(() => undefined);
      }
      return { fencedAt: iso() };
    },

    deleteInstance,

    /** Deletes every instance and manual snapshot here tagged with the run (a drill's cleanup). */
    async cleanupTagged(i: Scope): Promise<{ deleted: string[]; problems: string[] }> {
      const deleted: string[] = [];
      const problems: string[] = [];
      const ours = (t?: Tag[]) => (t ?? []).some((x) => x.Key === TAG_RUN && x.Value === i.runKey);
      const instances = ((await rds(i).send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).filter((d) => ours(d.TagList));
      for (const d of instances) {
        await waitFor(async () => {
          const now = await describeInstance(i, d.DBInstanceIdentifier!);
          return !now || !['creating', 'modifying', 'backing-up'].includes(now.DBInstanceStatus ?? '') ? true : undefined;
        }, { what: `instance ${d.DBInstanceIdentifier} settled` });
        const r = await deleteInstance({ ...i, identifier: d.DBInstanceIdentifier! }).catch((e: Error) => (problems.push(`${d.DBInstanceArn}: ${e.message}`), {}));
        if ('deleted' in r && r.deleted) deleted.push(r.deleted);
      }
      const snaps = ((await rds(i).send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual' }))).DBSnapshots ?? []).filter((s) => ours(s.TagList));
      for (const s of snaps) {
        if (s.Status === 'creating') await snapshotAvailable(i, s.DBSnapshotIdentifier!).catch(() => undefined);
        await rds(i).send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: s.DBSnapshotIdentifier })).then(() => deleted.push(s.DBSnapshotArn!), (e: Error) => (isNotFound(e) ? undefined : problems.push(`${s.DBSnapshotArn}: ${e.message}`)));
      }
      return { deleted, problems };
    },
  };
}

/** The ReplicaLag datapoint closest to `at` within the 15 minutes before it (seconds), or null. */
async function replicaLagAround(cw: CloudWatchClient, replica: string, at: Date): Promise<number | null> {
  const res = await cw.send(new GetMetricStatisticsCommand({
    Namespace: 'AWS/RDS', MetricName: 'ReplicaLag', Dimensions: [{ Name: 'DBInstanceIdentifier', Value: replica }],
    StartTime: new Date(at.getTime() - 15 * 60_000), EndTime: new Date(at.getTime() + 60_000), Period: 60, Statistics: ['Maximum'],
  }));
  const points = (res.Datapoints ?? []).filter((p) => p.Timestamp && p.Maximum !== undefined).sort((a, b) => b.Timestamp!.getTime() - a.Timestamp!.getTime());
  return points.length ? points[0].Maximum! : null;
}

export type FailoverActivities = ReturnType<typeof createFailoverActivities>;
