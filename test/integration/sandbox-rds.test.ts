/**
 * The sandbox's RDS simulation (sandbox/moto/rds_time.py), through the real SDK v3 clients: real
 * data in snapshots, cross-account share + copy + restore, PITR row filtering on `committed_at`,
 * read-replica promotion with replication lag, automated snapshots, status transitions over time.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { CreateSecurityGroupCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CopyDBSnapshotCommand,
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  CreateDBSnapshotCommand,
  CreateDBSubnetGroupCommand,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  type DBInstance,
  type DBSnapshot,
  ModifyDBSnapshotAttributeCommand,
  PromoteReadReplicaCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
import type { SandboxState } from '../../sandbox/state';
import { awsConfig, pgQuery, sandboxState, until } from '../harness/sandbox';

const PROD = '111111111111';
const RECOVERY = '222222222222';
const PRIMARY = 'us-east-1';
const DR_REGION = 'us-west-2';
const SCALE = 0.2;

const suffix = randomBytes(3).toString('hex');
const name = (base: string) => `${base}-${suffix}`;

let state: SandboxState;
let previousScale: number;
const clients: { destroy(): void }[] = [];

type AwsConfig = Awaited<ReturnType<typeof awsConfig>>;

async function config(account: string, region: string): Promise<AwsConfig> {
  return awsConfig(account, region);
}
async function rdsClient(account: string, region = PRIMARY): Promise<RDSClient> {
  const c = new RDSClient(await config(account, region));
  clients.push(c);
  return c;
}

async function createKey(account: string, region: string): Promise<string> {
  const kms = new KMSClient(await config(account, region));
  clients.push(kms);
  return (await kms.send(new CreateKeyCommand({ Description: `drctl test ${suffix}` }))).KeyMetadata!.Arn!;
}

async function control(path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${state.moto.endpoint}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


async function describe1(rds: RDSClient, id: string): Promise<DBInstance> {
  return (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0];
}
async function instanceStatus(rds: RDSClient, id: string, status: string): Promise<DBInstance> {
  return until(`${id} ${status}`, async () => {
    const d = await describe1(rds, id);
    return d.DBInstanceStatus === status ? d : undefined;
  });
}
async function snapshotAvailable(rds: RDSClient, id: string): Promise<DBSnapshot> {
  return until(`snapshot ${id} available`, async () => {
    const s = (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }))).DBSnapshots![0];
    return s?.Status === 'available' ? s : undefined;
  });
}

/** A production instance with a `payments` table (ids 1..n) keyed on committed_at. */
async function sourceInstance(rds: RDSClient, id: string, rows = 2): Promise<DBInstance> {
  await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      DBInstanceClass: 'db.t3.micro',
      Engine: 'postgres',
      MasterUsername: 'payments',
      MasterUserPassword: 'not-a-secret-1',
      AllocatedStorage: 20,
      BackupRetentionPeriod: 7,
    }),
  );
  const inst = await instanceStatus(rds, id, 'available');
  await pgQuery(
    inst.DBName!,
    `create table payments (id int primary key, committed_at timestamptz not null default clock_timestamp())`,
  );
  for (let i = 1; i <= rows; i++) await pgQuery(inst.DBName!, 'insert into payments (id) values ($1)', [i]);
  return inst;
}

async function ids(database: string): Promise<number[]> {
  return (await pgQuery<{ id: number }>(database, 'select id from payments order by id')).map((r) => r.id);
}

/** CloudWatch GetMetricStatistics (Query protocol, SigV4): the project has no CloudWatch client. */
async function replicaLagDatapoints(cfg: AwsConfig, instanceId: string): Promise<string> {
  const params = new URLSearchParams({
    Action: 'GetMetricStatistics',
    Version: '2010-08-01',
    Namespace: 'AWS/RDS',
    MetricName: 'ReplicaLag',
    'Dimensions.member.1.Name': 'DBInstanceIdentifier',
    'Dimensions.member.1.Value': instanceId,
    StartTime: new Date(Date.now() - 10 * 60000).toISOString(),
    EndTime: new Date(Date.now() + 60000).toISOString(),
    Period: '60',
    'Statistics.member.1': 'Maximum',
  });
  const body = params.toString();
  const url = new URL(cfg.endpoint);
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const creds = cfg.credentials as { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    host: url.host,
    'x-amz-date': amzDate,
  };
  if (creds.sessionToken) headers['x-amz-security-token'] = creds.sessionToken;
  const names = Object.keys(headers).sort();
  const hash = (s: string) => createHash('sha256').update(s).digest('hex');
  const canonical = ['POST', '/', '', ...names.map((n) => `${n}:${headers[n]}`), '', names.join(';'), hash(body)].join('\n');
  const scope = `${day}/${cfg.region}/monitoring/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, hash(canonical)].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${creds.secretAccessKey}`).update(day).digest();
  for (const part of [cfg.region, 'monitoring', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  const res = await fetch(cfg.endpoint, { method: 'POST', headers, body });
  expect(res.status).toBe(200);
  return res.text();
}

interface SandboxConfig {
  timeScale: number;
  pitrLagSeconds: number;
  replicaLagSeconds: number;
}
/** The extension's current settings. Read them right before an operation: other test files share them. */
async function sandboxConfig(): Promise<SandboxConfig> {
  return (await control('/drctl-sandbox/config')) as unknown as SandboxConfig;
}

beforeAll(async () => {
  state = sandboxState();
  previousScale = (await sandboxConfig()).timeScale;
  await control('/drctl-sandbox/config', { timeScale: SCALE });
});

afterAll(async () => {
  // Put the scale back unless someone else changed it meanwhile (test files run in parallel).
  if (state && (await sandboxConfig()).timeScale === SCALE) await control('/drctl-sandbox/config', { timeScale: previousScale });
  for (const c of clients) c.destroy();
});

describe('RDS simulation', () => {
  test('manual snapshot shared cross-account, copied with a KMS key, restored with real rows', async () => {
    const prod = await rdsClient(PROD);
    const rec = await rdsClient(RECOVERY);
    const src = await sourceInstance(prod, name('reporting'), 3);
    const snapId = name('reporting-snap');

    const created = (await prod.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: src.DBInstanceIdentifier, DBSnapshotIdentifier: snapId })))
      .DBSnapshot!;
    expect(created.Status).toBe('creating');
    await pgQuery(src.DBName!, 'insert into payments (id) values (99)'); // after the snapshot's consistent point
    const snap = await snapshotAvailable(prod, snapId);
    expect(snap.SnapshotCreateTime!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(snap.PercentProgress).toBe(100);

    // Not shared yet: the recovery account cannot copy it.
    const kmsKey = await createKey(RECOVERY, PRIMARY);
    await expect(
      rec.send(
        new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: snap.DBSnapshotArn, TargetDBSnapshotIdentifier: name('copy-early'), KmsKeyId: kmsKey }),
      ),
    ).rejects.toMatchObject({ name: expect.stringMatching(/^DBSnapshotNotFound/) });

    await prod.send(
      new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: snapId, AttributeName: 'restore', ValuesToAdd: [RECOVERY] }),
    );
    const shared = (await rec.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'shared', IncludeShared: true }))).DBSnapshots!;
    expect(shared.map((s) => s.DBSnapshotArn)).toContain(snap.DBSnapshotArn);

    const copyId = name('reporting-copy');
    const copy = (await rec.send(
      new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: snap.DBSnapshotArn, TargetDBSnapshotIdentifier: copyId, KmsKeyId: kmsKey }),
    )).DBSnapshot!;
    expect(copy.Status).toBe('creating');
    expect(copy.DBSnapshotArn).toBe(`arn:aws:rds:${PRIMARY}:${RECOVERY}:snapshot:${copyId}`);
    const copied = await snapshotAvailable(rec, copyId);
    expect(copied.OriginalSnapshotCreateTime?.getTime()).toBe(snap.SnapshotCreateTime?.getTime());

    // Restore the copy into the recovery account with network settings and tags.
    const ec2 = new EC2Client(await config(RECOVERY, PRIMARY));
    clients.push(ec2);
    const vpcId = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs![0].VpcId!;
    const subnets = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets!.filter((s) => s.VpcId === vpcId).map((s) => s.SubnetId!);
    const sg = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: name('dr-db'), Description: 'dr', VpcId: vpcId }))).GroupId!;
    await rec.send(
      new CreateDBSubnetGroupCommand({ DBSubnetGroupName: name('dr-subnets'), DBSubnetGroupDescription: 'dr', SubnetIds: subnets.slice(0, 2) }),
    );
    const restoredId = name('reporting-dr');
    const restoring = (await rec.send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: restoredId,
        DBSnapshotIdentifier: copyId,
        DBSubnetGroupName: name('dr-subnets'),
        VpcSecurityGroupIds: [sg],
        Tags: [{ Key: 'drctl:run', Value: suffix }],
      }),
    )).DBInstance!;
    expect(restoring.DBInstanceStatus).toBe('creating');
    const restored = await instanceStatus(rec, restoredId, 'available');
    expect(restored.DBName).toBe(`rds_${RECOVERY}_us_east_1_${restoredId.replace(/-/g, '_')}`);
    expect(restored.TagList).toEqual([{ Key: 'drctl:run', Value: suffix }]);
    expect(restored.DBSubnetGroup?.DBSubnetGroupName).toBe(name('dr-subnets'));
    expect(restored.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId)).toEqual([sg]);
    expect(await ids(restored.DBName!)).toEqual([1, 2, 3]);

    // The copy and the original share one dump: deleting the original keeps the copy restorable.
    await prod.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: snapId }));
    const again = name('reporting-dr2');
    await rec.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: again, DBSnapshotIdentifier: copyId }));
    const second = await instanceStatus(rec, again, 'available');
    expect(await ids(second.DBName!)).toEqual([1, 2, 3]);

    for (const id of [restoredId, again]) await rec.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, SkipFinalSnapshot: true }));
    await rec.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: copyId }));
    await prod.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: src.DBInstanceIdentifier, SkipFinalSnapshot: true }));
  });

  test('point-in-time restore drops rows committed after the restore time', async () => {
    const prod = await rdsClient(PROD);
    const src = await sourceInstance(prod, name('payments'), 2);
    await sleep(100);
    const restoreTime = new Date();
    await sleep(100);
    await pgQuery(src.DBName!, 'insert into payments (id) values (3)');

    // A restore time later than LatestRestorableTime (now - lag) is refused.
    await expect(
      prod.send(
        new RestoreDBInstanceToPointInTimeCommand({
          SourceDBInstanceIdentifier: src.DBInstanceIdentifier,
          TargetDBInstanceIdentifier: name('pitr-future'),
          RestoreTime: new Date(Date.now() + 60000),
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidRestoreFault' });

    await until('restore time is restorable', async () => {
      const lrt = (await describe1(prod, src.DBInstanceIdentifier!)).LatestRestorableTime!;
      return lrt.getTime() >= restoreTime.getTime() ? lrt : undefined;
    });
    const targetId = name('pitr');
    const { timeScale } = await sandboxConfig();
    const started = (await prod.send(
      new RestoreDBInstanceToPointInTimeCommand({
        SourceDBInstanceIdentifier: src.DBInstanceIdentifier,
        TargetDBInstanceIdentifier: targetId,
        RestoreTime: restoreTime,
      }),
    )).DBInstance!;
    expect(started.DBInstanceStatus).toBe('creating');
    const t0 = Date.now();
    const restored = await instanceStatus(prod, targetId, 'available');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(5 * timeScale * 1000 * 0.8);
    expect(await ids(restored.DBName!)).toEqual([1, 2]);
    expect(await ids(src.DBName!)).toEqual([1, 2, 3]);

    const latestId = name('pitr-latest');
    await prod.send(
      new RestoreDBInstanceToPointInTimeCommand({
        SourceDBInstanceIdentifier: src.DBInstanceIdentifier,
        TargetDBInstanceIdentifier: latestId,
        UseLatestRestorableTime: true,
      }),
    );
    const latest = await instanceStatus(prod, latestId, 'available');
    expect((await ids(latest.DBName!)).slice(0, 2)).toEqual([1, 2]);

    for (const id of [targetId, latestId, src.DBInstanceIdentifier!]) {
      await prod.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, SkipFinalSnapshot: true }));
    }
  });

  test('cross-region read replica reads the primary, then promotes with lag into its own database', async () => {
    const prod = await rdsClient(PROD);
    const dr = await rdsClient(PROD, DR_REGION);
    const src = await sourceInstance(prod, name('ledger'), 2);
    const kmsKey = await createKey(PROD, DR_REGION);
    const replicaId = name('ledger-dr');

    const created = (await dr.send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: replicaId,
        SourceDBInstanceIdentifier: src.DBInstanceArn,
        KmsKeyId: kmsKey,
      }),
    )).DBInstance!;
    expect(created.DBInstanceStatus).toBe('creating');
    const replica = await instanceStatus(dr, replicaId, 'available');
    expect(replica.ReadReplicaSourceDBInstanceIdentifier).toBe(src.DBInstanceArn);
    expect(replica.DBName).toBe(src.DBName); // reads see the primary
    expect((await describe1(prod, src.DBInstanceIdentifier!)).ReadReplicaDBInstanceIdentifiers).toEqual([replica.DBInstanceArn]);

    const { replicaLagSeconds } = await sandboxConfig();
    await pgQuery(src.DBName!, 'insert into payments (id) values (3)');
    await sleep(replicaLagSeconds * 1000 + 400); // older than the replication lag at promotion: survives
    await pgQuery(src.DBName!, 'insert into payments (id) values (4)'); // inside the lag window: lost
    const promoting = (await dr.send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: replicaId }))).DBInstance!;
    expect(promoting.DBInstanceStatus).toBe('modifying');
    await pgQuery(src.DBName!, 'insert into payments (id) values (5)'); // after promotion: never replicated

    const lagXml = await replicaLagDatapoints(await config(PROD, DR_REGION), replicaId);
    expect(lagXml).toContain('<Unit>Seconds</Unit>');
    expect(Number(/<Maximum>([\d.]+)<\/Maximum>/.exec(lagXml)?.[1])).toBeCloseTo(replicaLagSeconds, 5);

    const promoted = await instanceStatus(dr, replicaId, 'available');
    expect(promoted.ReadReplicaSourceDBInstanceIdentifier).toBeUndefined();
    expect(promoted.DBName).toBe(`rds_${PROD}_us_west_2_${replicaId.replace(/-/g, '_')}`);
    expect(await ids(promoted.DBName!)).toEqual([1, 2, 3]);
    expect((await describe1(prod, src.DBInstanceIdentifier!)).ReadReplicaDBInstanceIdentifiers ?? []).toEqual([]);

    await dr.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: replicaId, SkipFinalSnapshot: true }));
    await prod.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: src.DBInstanceIdentifier, SkipFinalSnapshot: true }));
  });

  test('automated snapshots are real dumps and restorable', async () => {
    const prod = await rdsClient(PROD);
    const src = await sourceInstance(prod, name('auto'), 2);
    const taken = await control('/drctl-sandbox/rds/automated-snapshot', {
      accountId: PROD,
      region: PRIMARY,
      dbInstanceIdentifier: src.DBInstanceIdentifier,
    });
    const snapId = taken.dbSnapshotIdentifier as string;
    const autos = (await prod.send(
      new DescribeDBSnapshotsCommand({ SnapshotType: 'automated', DBInstanceIdentifier: src.DBInstanceIdentifier }),
    )).DBSnapshots!;
    expect(autos.map((s) => s.DBSnapshotIdentifier)).toContain(snapId);
    expect(autos.every((s) => s.SnapshotType === 'automated')).toBe(true);
    await snapshotAvailable(prod, snapId);
    const restoredId = name('auto-restored');
    await prod.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: restoredId, DBSnapshotIdentifier: snapId }));
    const restored = await instanceStatus(prod, restoredId, 'available');
    expect(await ids(restored.DBName!)).toEqual([1, 2]);
    await prod.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: restoredId, SkipFinalSnapshot: true }));
    await prod.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: src.DBInstanceIdentifier, SkipFinalSnapshot: true }));
  });
});
