/**
 * Seeds the demo platform of runbooks/examples/sandbox-demo.yaml into the sandbox's moto, acting in
 * each account through STS AssumeRole as the product does: production (ledger, payments and
 * reporting on RDS PostgreSQL with real data, a cross-region replica, a backup vault with recovery
 * points, automated and manual snapshots, DNS), the isolated restore-test account, the recovery
 * account and the evidence account.
 *
 * Idempotent: every resource is described before it is created, so seeding twice changes nothing.
 */
import {
  BackupClient,
  CreateBackupVaultCommand,
  DescribeBackupJobCommand,
  ListBackupVaultsCommand,
  ListRecoveryPointsByBackupVaultCommand,
  StartBackupJobCommand,
} from '@aws-sdk/client-backup';
import {
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  RevokeSecurityGroupEgressCommand,
} from '@aws-sdk/client-ec2';
import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CopyDBSnapshotCommand,
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  CreateDBSnapshotCommand,
  CreateDBSubnetGroupCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  DescribeDBSubnetGroupsCommand,
  ModifyDBInstanceCommand,
  ModifyDBSnapshotAttributeCommand,
  RDSClient,
  type DBInstance,
} from '@aws-sdk/client-rds';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListHostedZonesByNameCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { createHash } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { ACCOUNTS, REGIONS, assumedConfig, s3Request, type AwsClientConfig } from './aws';
import type { SandboxState } from './state';

export type Log = (line: string) => void;

export const INSTANCES = {
  ledger: 'ledger-prod',
  payments: 'payments-prod',
  reporting: 'reporting-prod',
} as const;
export const REPLICA = 'ledger-dr';
export const LEDGER_VAULT = 'ledger-vault';
export const HOSTED_ZONE = 'payments.example.internal';
export const API_RECORD = 'api.payments.example.internal';
export const EVIDENCE_BUCKET = 'drctl-demo-evidence';
export const SECRET_NAMES = {
  ledger: 'drctl/sandbox/ledger',
  payments: 'drctl/sandbox/payments',
  reporting: 'drctl/sandbox/reporting',
} as const;
/** IAM role AWS Backup would use in production (moto does not check it). */
export const BACKUP_ROLE = `arn:aws:iam::${ACCOUNTS.production}:role/drctl-backup`;
const RECOVERY_POINTS_WANTED = 3;
const AUTOMATED_SNAPSHOTS_WANTED = 3;
const MANUAL_SNAPSHOTS = ['reporting-prod-manual-1', 'reporting-prod-manual-2'];
/** Time scale used while seeding, so simulated jobs take a fraction of a second. */
const SEED_TIME_SCALE = 0.02;

/** Tables of each production database; every one has `committed_at` (the extension's PITR clock). */
export const SCHEMA: Record<keyof typeof INSTANCES, string> = {
  ledger: `create table if not exists journal_entries (
      id bigserial primary key,
      entry_ref text not null,
      account text not null,
      amount numeric(18,2) not null,
      committed_at timestamptz not null default clock_timestamp())`,
  payments: `create table if not exists payments (
      id bigserial primary key,
      payment_ref text not null unique,
      amount numeric(18,2) not null,
      currency char(3) not null,
      status text not null,
      committed_at timestamptz not null default clock_timestamp())`,
  reporting: `create table if not exists daily_positions (
      id bigserial primary key,
      as_of date not null,
      account text not null,
      balance numeric(18,2) not null,
      committed_at timestamptz not null default clock_timestamp())`,
};

export interface SeedResources {
  production: {
    vpcId: string;
    subnetIds: string[];
    securityGroupId: string;
    dbSubnetGroup: string;
    kmsKeyArn: string;
    instances: Record<string, { arn: string; database: string }>;
    replica: { id: string; arn: string; region: string; database: string };
    drVpcId: string;
    ledgerVaultArn: string;
    recoveryPointArns: string[];
    automatedSnapshots: string[];
    manualSnapshots: string[];
    hostedZoneId: string;
  };
  restoreTest: { vpcId: string; subnetIds: string[]; securityGroupId: string; kmsKeyArn: string; vaultArn: string };
  recovery: { vpcId: string; subnetIds: string[]; securityGroupId: string; kmsKeyArn: string; vaultArn: string };
  evidence: { bucket?: string; objectLock: boolean };
}

export interface SeedSummary {
  durationMs: number;
  lines: string[];
  resources: SeedResources;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function poll<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

function errName(e: unknown): string {
  return (e as { name?: string; Code?: string })?.name ?? (e as { Code?: string })?.Code ?? '';
}

const tag = (key: string, value: string) => ({ Key: key, Value: value });
const SEED_TAGS = [tag('drctl:sandbox', 'seed')];

// ---------------------------------------------------------------------------------------------
// EC2 networking

interface NetworkSpec {
  name: string;
  cidr: string;
  subnets: { cidr: string; az: string }[];
  internet: boolean;
}

async function ensureVpc(ec2: EC2Client, spec: NetworkSpec): Promise<{ vpcId: string; subnetIds: string[] }> {
  const found = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:Name', Values: [spec.name] }] }));
  let vpcId = found.Vpcs?.[0]?.VpcId;
  if (!vpcId) {
    const created = await ec2.send(
      new CreateVpcCommand({
        CidrBlock: spec.cidr,
        TagSpecifications: [{ ResourceType: 'vpc', Tags: [tag('Name', spec.name), ...SEED_TAGS] }],
      }),
    );
    vpcId = created.Vpc!.VpcId!;
  }
  const subnetIds: string[] = [];
  const existing = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }));
  for (const [i, s] of spec.subnets.entries()) {
    let id = existing.Subnets?.find((x) => x.CidrBlock === s.cidr)?.SubnetId;
    if (!id) {
      const created = await ec2.send(
        new CreateSubnetCommand({
          VpcId: vpcId,
          CidrBlock: s.cidr,
          AvailabilityZone: s.az,
          TagSpecifications: [{ ResourceType: 'subnet', Tags: [tag('Name', `${spec.name}-${i + 1}`), ...SEED_TAGS] }],
        }),
      );
      id = created.Subnet!.SubnetId!;
    }
    subnetIds.push(id);
  }
  if (spec.internet) {
    const igws = await ec2.send(
      new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [vpcId] }] }),
    );
    let igwId = igws.InternetGateways?.[0]?.InternetGatewayId;
    if (!igwId) {
      const created = await ec2.send(
        new CreateInternetGatewayCommand({
          TagSpecifications: [{ ResourceType: 'internet-gateway', Tags: [tag('Name', `${spec.name}-igw`), ...SEED_TAGS] }],
        }),
      );
      igwId = created.InternetGateway!.InternetGatewayId!;
      await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId }));
    }
    const tables = await ec2.send(
      new DescribeRouteTablesCommand({
        Filters: [
          { Name: 'vpc-id', Values: [vpcId] },
          { Name: 'association.main', Values: ['true'] },
        ],
      }),
    );
    const main = tables.RouteTables?.[0];
    if (main && !main.Routes?.some((r) => r.DestinationCidrBlock === '0.0.0.0/0')) {
      await ec2.send(
        new CreateRouteCommand({ RouteTableId: main.RouteTableId, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igwId }),
      );
    }
  }
  return { vpcId, subnetIds };
}

/** A security group allowing PostgreSQL from `cidr` only; with `egressCidr`, egress is limited to it. */
async function ensureSecurityGroup(
  ec2: EC2Client,
  vpcId: string,
  name: string,
  cidr: string,
  egressCidr?: string,
): Promise<string> {
  const found = await ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: 'vpc-id', Values: [vpcId] },
        { Name: 'group-name', Values: [name] },
      ],
    }),
  );
  const existing = found.SecurityGroups?.[0]?.GroupId;
  if (existing) return existing;
  const created = await ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: name,
      Description: `drctl sandbox ${name}: PostgreSQL from ${cidr}`,
      VpcId: vpcId,
      TagSpecifications: [{ ResourceType: 'security-group', Tags: [tag('Name', name), ...SEED_TAGS] }],
    }),
  );
  const groupId = created.GroupId!;
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: groupId,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: cidr, Description: 'PostgreSQL' }] }],
    }),
  );
  if (egressCidr) {
    await ec2.send(
      new RevokeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }),
    ).catch(() => undefined);
    await ec2.send(
      new AuthorizeSecurityGroupEgressCommand({
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: egressCidr, Description: 'own VPC only' }] }],
      }),
    );
  }
  return groupId;
}

async function ensureKmsKey(kms: KMSClient, alias: string): Promise<string> {
  try {
    const found = await kms.send(new DescribeKeyCommand({ KeyId: alias }));
    if (found.KeyMetadata?.Arn) return found.KeyMetadata.Arn;
  } catch (e) {
    if (errName(e) !== 'NotFoundException') throw e;
  }
  const created = await kms.send(
    new CreateKeyCommand({
      Description: `drctl sandbox ${alias}`,
      Tags: [{ TagKey: 'drctl:sandbox', TagValue: 'seed' }],
    }),
  );
  await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: created.KeyMetadata!.KeyId }));
  return created.KeyMetadata!.Arn!;
}

// ---------------------------------------------------------------------------------------------
// RDS

async function ensureDbSubnetGroup(rds: RDSClient, name: string, subnetIds: string[]): Promise<void> {
  try {
    await rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: name }));
    return;
  } catch (e) {
    if (errName(e) !== 'DBSubnetGroupNotFoundFault') throw e;
  }
  await rds.send(
    new CreateDBSubnetGroupCommand({
      DBSubnetGroupName: name,
      DBSubnetGroupDescription: `drctl sandbox ${name}`,
      SubnetIds: subnetIds,
      Tags: SEED_TAGS,
    }),
  );
}

async function describeInstance(rds: RDSClient, id: string): Promise<DBInstance | undefined> {
  try {
    const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
    return out.DBInstances?.[0];
  } catch (e) {
    if (errName(e) === 'DBInstanceNotFoundFault' || errName(e) === 'DBInstanceNotFound') return undefined;
    throw e;
  }
}

async function waitAvailable(rds: RDSClient, id: string): Promise<DBInstance> {
  return poll(`RDS instance ${id} to be available`, async () => {
    const db = await describeInstance(rds, id);
    if (db?.DBInstanceStatus === 'failed') throw new Error(`RDS instance ${id} failed`);
    return db?.DBInstanceStatus === 'available' ? db : undefined;
  });
}

async function waitSnapshotsAvailable(rds: RDSClient, instanceId: string): Promise<void> {
  await poll(`snapshots of ${instanceId} to be available`, async () => {
    const out = await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: instanceId }));
    return (out.DBSnapshots ?? []).every((s) => s.Status === 'available') ? true : undefined;
  });
}

// ---------------------------------------------------------------------------------------------
// Real data in the production databases

export interface PgTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
}

/** Where a DB instance's data lives: the extension answers Endpoint + DBName with the real PG database. */
export function pgTargetOf(state: SandboxState, db: DBInstance): PgTarget {
  const address = db.Endpoint?.Address;
  const loopback = address === '127.0.0.1' || address === 'localhost';
  return {
    host: loopback ? address! : state.postgres.host,
    port: loopback && db.Endpoint?.Port ? db.Endpoint.Port : state.postgres.port,
    database: db.DBName ?? '',
    user: state.postgres.user,
    password: state.postgres.password,
  };
}

export async function withPg<T>(target: PgTarget, fn: (c: PgClient) => Promise<T>): Promise<T> {
  const client = new PgClient({ ...target, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const LEDGER_ACCOUNTS = ['cash', 'customer-deposits', 'fees', 'settlement', 'interest'];
const CURRENCIES = ['USD', 'EUR', 'GBP'];

/** Rows the write load and the seed add: `n` of each table's kind, in one statement per table. */
export async function insertRows(c: PgClient, kind: keyof typeof INSTANCES, n: number, refPrefix: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    const ref = `${refPrefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const amount = (Math.round(Math.random() * 1_000_000) / 100 + 1).toFixed(2);
    if (kind === 'ledger') {
      const debit = LEDGER_ACCOUNTS[Math.floor(Math.random() * LEDGER_ACCOUNTS.length)];
      const credit = LEDGER_ACCOUNTS.filter((a) => a !== debit)[Math.floor(Math.random() * (LEDGER_ACCOUNTS.length - 1))];
      // Both legs of the entry in one statement: the books balance at every commit.
      await c.query(
        'insert into journal_entries (entry_ref, account, amount) values ($1, $2, $4::numeric), ($1, $3, -($4::numeric))',
        [ref, debit, credit, amount],
      );
    } else if (kind === 'payments') {
      const currency = CURRENCIES[Math.floor(Math.random() * CURRENCIES.length)];
      const status = Math.random() < 0.9 ? 'settled' : 'pending';
      await c.query('insert into payments (payment_ref, amount, currency, status) values ($1, $2, $3, $4)', [
        ref, amount, currency, status,
      ]);
    } else {
      const account = LEDGER_ACCOUNTS[Math.floor(Math.random() * LEDGER_ACCOUNTS.length)];
      await c.query('insert into daily_positions (as_of, account, balance) values (current_date, $1, $2)', [account, amount]);
    }
  }
}

/** Creates the tables and, when empty, a history of rows. */
async function seedData(target: PgTarget, kind: keyof typeof INSTANCES): Promise<number> {
  return withPg(target, async (c) => {
    await c.query(SCHEMA[kind]);
    const table = kind === 'ledger' ? 'journal_entries' : kind === 'payments' ? 'payments' : 'daily_positions';
    const before = Number((await c.query(`select count(*)::int as n from ${table}`)).rows[0].n);
    if (before > 0) return before;
    if (kind === 'reporting') {
      // Thirty days of end-of-day positions, then today's.
      await c.query(
        `insert into daily_positions (as_of, account, balance)
         select current_date - d, a, round((random() * 1000000)::numeric, 2)
         from generate_series(1, 30) d, unnest($1::text[]) a`,
        [LEDGER_ACCOUNTS],
      );
    }
    await insertRows(c, kind, 25, 'seed');
    return Number((await c.query(`select count(*)::int as n from ${table}`)).rows[0].n);
  });
}

// ---------------------------------------------------------------------------------------------
// Backup, secrets, DNS, evidence

async function ensureVault(backup: BackupClient, name: string, keyArn: string): Promise<string> {
  const list = await backup.send(new ListBackupVaultsCommand({}));
  const found = list.BackupVaultList?.find((v) => v.BackupVaultName === name);
  if (found?.BackupVaultArn) return found.BackupVaultArn;
  const created = await backup.send(
    new CreateBackupVaultCommand({
      BackupVaultName: name,
      EncryptionKeyArn: keyArn,
      BackupVaultTags: { 'drctl:sandbox': 'seed' },
      CreatorRequestId: `drctl-sandbox-${name}`,
    }),
  );
  return created.BackupVaultArn!;
}

async function recoveryPointsOf(backup: BackupClient, vault: string, resourceArn: string): Promise<string[]> {
  const out = await backup.send(
    new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: vault, ByResourceArn: resourceArn }),
  );
  return (out.RecoveryPoints ?? [])
    .filter((rp) => rp.Status === 'COMPLETED')
    .map((rp) => rp.RecoveryPointArn!)
    .filter(Boolean);
}

export async function backupNow(backup: BackupClient, vault: string, resourceArn: string, token: string): Promise<string> {
  const started = await backup.send(
    new StartBackupJobCommand({
      BackupVaultName: vault,
      ResourceArn: resourceArn,
      IamRoleArn: BACKUP_ROLE,
      IdempotencyToken: token,
      RecoveryPointTags: { 'drctl:sandbox': 'seed' },
    }),
  );
  const jobId = started.BackupJobId!;
  const done = await poll(`backup job ${jobId}`, async () => {
    const job = await backup.send(new DescribeBackupJobCommand({ BackupJobId: jobId }));
    if (job.State === 'FAILED' || job.State === 'ABORTED' || job.State === 'EXPIRED') {
      throw new Error(`backup job ${jobId} ${job.State}: ${job.StatusMessage ?? ''}`);
    }
    return job.State === 'COMPLETED' ? job : undefined;
  });
  return done.RecoveryPointArn ?? started.RecoveryPointArn!;
}

async function ensureSecret(sm: SecretsManagerClient, name: string, value: string): Promise<void> {
  try {
    await sm.send(new DescribeSecretCommand({ SecretId: name }));
    await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
    return;
  } catch (e) {
    if (errName(e) !== 'ResourceNotFoundException') throw e;
  }
  await sm.send(
    new CreateSecretCommand({ Name: name, SecretString: value, Description: 'drctl sandbox database credentials', Tags: SEED_TAGS }),
  );
}

async function ensureHostedZone(r53: Route53Client, zone: string): Promise<string> {
  const list = await r53.send(new ListHostedZonesByNameCommand({ DNSName: zone }));
  const found = list.HostedZones?.find((z) => z.Name === `${zone}.` || z.Name === zone);
  if (found?.Id) return found.Id.replace('/hostedzone/', '');
  const created = await r53.send(
    new CreateHostedZoneCommand({
      Name: zone,
      CallerReference: `drctl-sandbox-${zone}`,
      HostedZoneConfig: { Comment: 'drctl sandbox', PrivateZone: false },
    }),
  );
  return created.HostedZone!.Id!.replace('/hostedzone/', '');
}

/** Evidence bucket with Object Lock (moto supports it); answers whether the lock is on. */
async function ensureEvidenceBucket(cfg: AwsClientConfig, bucket: string, retentionDays: number): Promise<boolean> {
  const head = await s3Request(cfg, 'HEAD', `/${bucket}`);
  if (head.status === 404) {
    const body =
      cfg.region === 'us-east-1'
        ? ''
        : `<CreateBucketConfiguration><LocationConstraint>${cfg.region}</LocationConstraint></CreateBucketConfiguration>`;
    const created = await s3Request(cfg, 'PUT', `/${bucket}`, body, { 'x-amz-bucket-object-lock-enabled': 'true' });
    if (created.status >= 300) throw new Error(`create bucket ${bucket}: HTTP ${created.status} ${created.text.slice(0, 200)}`);
    const lock =
      '<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ObjectLockEnabled>Enabled</ObjectLockEnabled>' +
      `<Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>${retentionDays}</Days></DefaultRetention></Rule></ObjectLockConfiguration>`;
    const md5 = createHash('md5').update(lock).digest('base64');
    await s3Request(cfg, 'PUT', `/${bucket}?object-lock`, lock, { 'content-md5': md5, 'content-type': 'application/xml' });
  }
  const cfgRes = await s3Request(cfg, 'GET', `/${bucket}?object-lock`);
  return cfgRes.status === 200 && cfgRes.text.includes('<ObjectLockEnabled>Enabled</ObjectLockEnabled>');
}

// ---------------------------------------------------------------------------------------------
// The extension's control routes

async function getTimeScale(state: SandboxState): Promise<number | undefined> {
  try {
    const res = await fetch(`${state.moto.endpoint}/drctl-sandbox/config`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) return void (await res.arrayBuffer());
    const body = (await res.json()) as { timeScale?: number };
    return typeof body.timeScale === 'number' ? body.timeScale : undefined;
  } catch {
    return undefined;
  }
}

async function postJson(state: SandboxState, route: string, body: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${state.moto.endpoint}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30000),
  });
  return { status: res.status, text: await res.text() };
}

/** Takes one automated snapshot now through the extension's control route; false if it has none. */
export async function takeAutomatedSnapshot(
  state: SandboxState,
  accountId: string,
  region: string,
  dbInstanceIdentifier: string,
): Promise<boolean> {
  const res = await postJson(state, '/drctl-sandbox/rds/automated-snapshot', { accountId, region, dbInstanceIdentifier });
  if (res.status === 404 && !res.text.includes('DBInstanceNotFound')) return false;
  if (res.status >= 300) throw new Error(`automated snapshot of ${dbInstanceIdentifier}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
  return true;
}

// ---------------------------------------------------------------------------------------------

export async function seed(state: SandboxState, opts: { log?: Log } = {}): Promise<SeedSummary> {
  const log = opts.log ?? (() => undefined);
  const t0 = Date.now();
  const lines: string[] = [];
  const originalScale = await getTimeScale(state);
  if (originalScale !== undefined) await postJson(state, '/drctl-sandbox/config', { timeScale: SEED_TIME_SCALE });
  const clients: { destroy(): void }[] = [];
  const client = <T extends { destroy(): void }>(c: T): T => (clients.push(c), c);
  const cfg = (account: string, region: string) => assumedConfig(state, account, region, { maxAttempts: 3 });
  const { primary, recovery } = REGIONS;
  try {
    log('seed: production networking, keys and databases');
    const prodEc2 = client(new EC2Client(await cfg(ACCOUNTS.production, primary)));
    const prodRds = client(new RDSClient(await cfg(ACCOUNTS.production, primary)));
    const prodKms = client(new KMSClient(await cfg(ACCOUNTS.production, primary)));
    const prodDrEc2 = client(new EC2Client(await cfg(ACCOUNTS.production, recovery)));
    const prodDrRds = client(new RDSClient(await cfg(ACCOUNTS.production, recovery)));
    const prodDrKms = client(new KMSClient(await cfg(ACCOUNTS.production, recovery)));

    const [prodNet, prodDrNet, prodKey, prodDrKey] = await Promise.all([
      ensureVpc(prodEc2, {
        name: 'drctl-production', cidr: '10.10.0.0/16', internet: true,
        subnets: [{ cidr: '10.10.1.0/24', az: 'us-east-1a' }, { cidr: '10.10.2.0/24', az: 'us-east-1b' }],
      }),
      ensureVpc(prodDrEc2, {
        name: 'drctl-production-dr', cidr: '10.11.0.0/16', internet: true,
        subnets: [{ cidr: '10.11.1.0/24', az: 'us-west-2a' }, { cidr: '10.11.2.0/24', az: 'us-west-2b' }],
      }),
      ensureKmsKey(prodKms, 'alias/drctl-production'),
      ensureKmsKey(prodDrKms, 'alias/drctl-production-dr'),
    ]);
    const prodSg = await ensureSecurityGroup(prodEc2, prodNet.vpcId, 'prod-db-sg', '10.10.0.0/16');
    const prodDrSg = await ensureSecurityGroup(prodDrEc2, prodDrNet.vpcId, 'prod-dr-db-sg', '10.11.0.0/16');
    await ensureDbSubnetGroup(prodRds, 'prod-db', prodNet.subnetIds);
    await ensureDbSubnetGroup(prodDrRds, 'prod-dr-db', prodDrNet.subnetIds);

    // Created with BackupRetentionPeriod 0 so no automated snapshot of the still-empty database
    // exists; retention goes to 7 once the data is in.
    const instances: SeedResources['production']['instances'] = {};
    const kinds = Object.keys(INSTANCES) as (keyof typeof INSTANCES)[];
    const dbs = await Promise.all(
      kinds.map(async (kind) => {
        const id = INSTANCES[kind];
        if (!(await describeInstance(prodRds, id))) {
          await prodRds.send(
            new CreateDBInstanceCommand({
              DBInstanceIdentifier: id,
              Engine: 'postgres',
              EngineVersion: '15.7',
              DBInstanceClass: 'db.t3.medium',
              AllocatedStorage: 20,
              DBName: kind,
              MasterUsername: state.postgres.user,
              MasterUserPassword: state.postgres.password,
              DBSubnetGroupName: 'prod-db',
              VpcSecurityGroupIds: [prodSg],
              StorageEncrypted: true,
              KmsKeyId: prodKey,
              BackupRetentionPeriod: 0,
              MultiAZ: kind !== 'reporting',
              Tags: [tag('tier', kind), tag('drctl:platform', 'demo-payments-platform'), ...SEED_TAGS],
            }),
          );
        }
        const db = await waitAvailable(prodRds, id);
        const target = pgTargetOf(state, db);
        const rows = await seedData(target, kind);
        if ((db.BackupRetentionPeriod ?? 0) < 7) {
          await prodRds.send(
            new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, BackupRetentionPeriod: 7, ApplyImmediately: true }),
          );
        }
        instances[id] = { arn: db.DBInstanceArn!, database: target.database };
        return { db, rows };
      }),
    );
    for (const [i, kind] of kinds.entries()) lines.push(`${INSTANCES[kind]} (${dbs[i].rows} rows)`);
    const ledger = dbs[0].db;

    log('seed: cross-region replica ledger-dr in us-west-2');
    if (!(await describeInstance(prodDrRds, REPLICA))) {
      const replicaInput = {
        DBInstanceIdentifier: REPLICA,
        SourceDBInstanceIdentifier: ledger.DBInstanceArn,
        DBInstanceClass: 'db.t3.medium',
        AvailabilityZone: `${recovery}a`,
        DBSubnetGroupName: 'prod-dr-db',
        VpcSecurityGroupIds: [prodDrSg],
        KmsKeyId: prodDrKey,
        Tags: [tag('tier', 'ledger'), tag('drctl:platform', 'demo-payments-platform'), ...SEED_TAGS],
      };
      try {
        await prodDrRds.send(new CreateDBInstanceReadReplicaCommand(replicaInput));
      } catch (e) {
        // moto 5.2.5 looks a cross-region replica's subnet group up in the source region; create
        // the replica without it, then move it into its own region's subnet group.
        if (errName(e) !== 'DBSubnetGroupNotFoundFault') throw e;
        await prodDrRds.send(new CreateDBInstanceReadReplicaCommand({ ...replicaInput, DBSubnetGroupName: undefined }));
        await prodDrRds.send(
          new ModifyDBInstanceCommand({ DBInstanceIdentifier: REPLICA, DBSubnetGroupName: 'prod-dr-db', ApplyImmediately: true }),
        );
      }
    }
    const replicaPromise = waitAvailable(prodDrRds, REPLICA);

    log('seed: ledger-vault recovery points, payments automated snapshots, reporting manual snapshots');
    const prodBackup = client(new BackupClient(await cfg(ACCOUNTS.production, primary)));
    const ledgerVaultArn = await ensureVault(prodBackup, LEDGER_VAULT, prodKey);
    const ledgerTarget = pgTargetOf(state, ledger);
    const paymentsTarget = pgTargetOf(state, dbs[1].db);
    const reportingTarget = pgTargetOf(state, dbs[2].db);

    const recoveryPointsTask = (async () => {
      let rps = await recoveryPointsOf(prodBackup, LEDGER_VAULT, ledger.DBInstanceArn!);
      for (let i = rps.length; i < RECOVERY_POINTS_WANTED; i++) {
        await withPg(ledgerTarget, (c) => insertRows(c, 'ledger', 3, `pre-backup-${i + 1}`));
        await backupNow(prodBackup, LEDGER_VAULT, ledger.DBInstanceArn!, `drctl-sandbox-seed-ledger-${i + 1}-${Date.now()}`);
      }
      rps = await recoveryPointsOf(prodBackup, LEDGER_VAULT, ledger.DBInstanceArn!);
      return rps;
    })();

    const automatedTask = (async () => {
      const list = async () =>
        ((await prodRds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: INSTANCES.payments, SnapshotType: 'automated' })))
          .DBSnapshots ?? []).map((s) => s.DBSnapshotIdentifier!);
      let have = await list();
      let supported = true;
      for (let i = have.length; i < AUTOMATED_SNAPSHOTS_WANTED && supported; i++) {
        await withPg(paymentsTarget, (c) => insertRows(c, 'payments', 3, `pre-snapshot-${i + 1}`));
        supported = await takeAutomatedSnapshot(state, ACCOUNTS.production, primary, INSTANCES.payments);
        // Automated snapshot names carry the second they were taken.
        if (supported && i + 1 < AUTOMATED_SNAPSHOTS_WANTED) await sleep(1100);
      }
      if (!supported) log('seed: the moto extension has no automated-snapshot route; payments-prod has only what moto made');
      // One automated snapshot of each other instance, so every instance has a restorable one.
      for (const id of [INSTANCES.ledger, INSTANCES.reporting]) {
        const out = await prodRds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: id, SnapshotType: 'automated' }));
        if (supported && !(out.DBSnapshots ?? []).length) await takeAutomatedSnapshot(state, ACCOUNTS.production, primary, id);
      }
      await waitSnapshotsAvailable(prodRds, INSTANCES.payments);
      have = await list();
      return have;
    })();

    const manualTask = (async () => {
      const out = await prodRds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: INSTANCES.reporting, SnapshotType: 'manual' }));
      const have = new Set((out.DBSnapshots ?? []).map((s) => s.DBSnapshotIdentifier));
      for (const [i, name] of MANUAL_SNAPSHOTS.entries()) {
        if (have.has(name)) continue;
        await withPg(reportingTarget, (c) => insertRows(c, 'reporting', 2, `pre-manual-${i + 1}`));
        await prodRds.send(
          new CreateDBSnapshotCommand({ DBInstanceIdentifier: INSTANCES.reporting, DBSnapshotIdentifier: name, Tags: SEED_TAGS }),
        );
      }
      await waitSnapshotsAvailable(prodRds, INSTANCES.reporting);
      return MANUAL_SNAPSHOTS;
    })();

    log('seed: DNS');
    const r53 = client(new Route53Client(await cfg(ACCOUNTS.production, primary)));
    const hostedZoneId = await ensureHostedZone(r53, HOSTED_ZONE);
    await r53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: hostedZoneId,
        ChangeBatch: {
          Comment: 'drctl sandbox: payments API on the primary region',
          Changes: [
            {
              Action: 'UPSERT',
              ResourceRecordSet: {
                Name: API_RECORD,
                Type: 'CNAME',
                TTL: 60,
                ResourceRecords: [{ Value: `payments-prod.${primary}.${HOSTED_ZONE}` }],
              },
            },
          ],
        },
      }),
    );

    log('seed: restore-test account (isolated) and recovery account');
    const rtEc2 = client(new EC2Client(await cfg(ACCOUNTS.restoreTest, primary)));
    const rtRds = client(new RDSClient(await cfg(ACCOUNTS.restoreTest, primary)));
    const rtKms = client(new KMSClient(await cfg(ACCOUNTS.restoreTest, primary)));
    const rtBackup = client(new BackupClient(await cfg(ACCOUNTS.restoreTest, primary)));
    const rtNet = await ensureVpc(rtEc2, {
      name: 'drctl-restore-test-isolated', cidr: '10.30.0.0/16', internet: false,
      subnets: [{ cidr: '10.30.1.0/24', az: 'us-east-1a' }, { cidr: '10.30.2.0/24', az: 'us-east-1b' }],
    });
    const rtSg = await ensureSecurityGroup(rtEc2, rtNet.vpcId, 'isolated-db-sg', '10.30.0.0/16', '10.30.0.0/16');
    await ensureDbSubnetGroup(rtRds, 'isolated-db', rtNet.subnetIds);
    const rtKey = await ensureKmsKey(rtKms, 'alias/drctl-restore-test');
    const rtVault = await ensureVault(rtBackup, 'restore-test-vault', rtKey);

    const rcEc2 = client(new EC2Client(await cfg(ACCOUNTS.recovery, recovery)));
    const rcRds = client(new RDSClient(await cfg(ACCOUNTS.recovery, recovery)));
    const rcKms = client(new KMSClient(await cfg(ACCOUNTS.recovery, recovery)));
    const rcBackup = client(new BackupClient(await cfg(ACCOUNTS.recovery, recovery)));
    const rcNet = await ensureVpc(rcEc2, {
      name: 'drctl-recovery', cidr: '10.20.0.0/16', internet: true,
      subnets: [{ cidr: '10.20.1.0/24', az: 'us-west-2a' }, { cidr: '10.20.2.0/24', az: 'us-west-2b' }],
    });
    const rcSg = await ensureSecurityGroup(rcEc2, rcNet.vpcId, 'recovery-db-sg', '10.20.0.0/16');
    await ensureDbSubnetGroup(rcRds, 'recovery-db', rcNet.subnetIds);
    const rcKey = await ensureKmsKey(rcKms, 'alias/drctl-recovery');
    const rcVault = await ensureVault(rcBackup, 'recovery-vault', rcKey);

    log('seed: database credential secrets');
    const secret = JSON.stringify({ username: state.postgres.user, password: state.postgres.password });
    const secretPlaces: [string, string][] = [
      [ACCOUNTS.restoreTest, primary],
      [ACCOUNTS.restoreTest, recovery],
      [ACCOUNTS.recovery, recovery],
      [ACCOUNTS.recovery, primary],
      [ACCOUNTS.production, primary],
      [ACCOUNTS.production, recovery],
    ];
    await Promise.all(
      secretPlaces.map(async ([account, region]) => {
        const sm = client(new SecretsManagerClient(await cfg(account, region)));
        for (const name of Object.values(SECRET_NAMES)) await ensureSecret(sm, name, secret);
      }),
    );

    log('seed: evidence bucket');
    let objectLock = false;
    let bucket: string | undefined;
    try {
      objectLock = await ensureEvidenceBucket(await cfg(ACCOUNTS.evidence, primary), EVIDENCE_BUCKET, 7);
      bucket = EVIDENCE_BUCKET;
    } catch (e) {
      log(`seed: evidence bucket skipped (${e instanceof Error ? e.message : String(e)})`);
    }

    const [recoveryPointArns, automatedSnapshots, manualSnapshots, replica] = await Promise.all([
      recoveryPointsTask, automatedTask, manualTask, replicaPromise,
    ]);

    // The DR copy process a bank runs already (e.g. AWS Backup copy rules): the newest reporting
    // snapshot copied into the recovery account and region, which `restoreSnapshot` fails over to.
    log('seed: DR snapshot copy of reporting-prod in the recovery account');
    const drCopy = `${INSTANCES.reporting}-dr-copy`;
    const haveCopy = await rcRds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: drCopy })).then((r) => (r.DBSnapshots ?? []).length > 0, () => false);
    if (!haveCopy) {
      const source = manualSnapshots[manualSnapshots.length - 1];
      await prodRds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: source, AttributeName: 'restore', ValuesToAdd: [ACCOUNTS.recovery] }));
      await rcRds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: `arn:aws:rds:${primary}:${ACCOUNTS.production}:snapshot:${source}`, TargetDBSnapshotIdentifier: drCopy, KmsKeyId: rcKey, Tags: SEED_TAGS }));
      await waitSnapshotsAvailable(rcRds, INSTANCES.reporting);
      await prodRds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: source, AttributeName: 'restore', ValuesToRemove: [ACCOUNTS.recovery] }));
    }
    lines.push(
      `${REPLICA} replica in ${recovery}`,
      `${recoveryPointArns.length} recovery points in ${LEDGER_VAULT}`,
      `${automatedSnapshots.length} automated snapshots of ${INSTANCES.payments}`,
      `${manualSnapshots.length} manual snapshots of ${INSTANCES.reporting}`,
      `isolated restore-test VPC ${rtNet.vpcId}`,
      `recovery VPC ${rcNet.vpcId}`,
      `zone ${HOSTED_ZONE}`,
      bucket ? `evidence bucket ${bucket}${objectLock ? ' (object lock)' : ''}` : 'no evidence bucket',
    );
    const resources: SeedResources = {
      production: {
        vpcId: prodNet.vpcId,
        subnetIds: prodNet.subnetIds,
        securityGroupId: prodSg,
        dbSubnetGroup: 'prod-db',
        kmsKeyArn: prodKey,
        instances,
        replica: { id: REPLICA, arn: replica.DBInstanceArn!, region: recovery, database: replica.DBName ?? '' },
        drVpcId: prodDrNet.vpcId,
        ledgerVaultArn,
        recoveryPointArns,
        automatedSnapshots,
        manualSnapshots,
        hostedZoneId,
      },
      restoreTest: { vpcId: rtNet.vpcId, subnetIds: rtNet.subnetIds, securityGroupId: rtSg, kmsKeyArn: rtKey, vaultArn: rtVault },
      recovery: { vpcId: rcNet.vpcId, subnetIds: rcNet.subnetIds, securityGroupId: rcSg, kmsKeyArn: rcKey, vaultArn: rcVault },
      evidence: { bucket, objectLock },
    };
    const durationMs = Date.now() - t0;
    log(`seed: done in ${(durationMs / 1000).toFixed(1)} s`);
    return { durationMs, lines, resources };
  } finally {
    if (originalScale !== undefined) await postJson(state, '/drctl-sandbox/config', { timeScale: originalScale }).catch(() => undefined);
    for (const c of clients) c.destroy();
  }
}
