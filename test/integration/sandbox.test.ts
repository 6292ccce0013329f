/**
 * The test sandbox is up and seeded with the demo platform: servers answer, resources sit in the
 * right accounts and regions, the production databases hold real rows, the write load adds rows;
 * and a separate small sandbox shows that `up` then `down` leaves none of its processes running (its
 * drctl worker included).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BackupClient, ListBackupVaultsCommand, ListRecoveryPointsByBackupVaultCommand } from '@aws-sdk/client-backup';
import {
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcPeeringConnectionsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  DescribeDBSubnetGroupsCommand,
  RDSClient,
  type DBInstance,
} from '@aws-sdk/client-rds';
import { ListHostedZonesByNameCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Client as PgClient } from 'pg';
import { groupMembers, isAlive, processTree } from '../../sandbox/processes';
import { REPO_ROOT, down, status, up } from '../../sandbox/sandbox';
import { INSTANCES, pgTargetOf, withPg } from '../../sandbox/seed';
import { runLoad } from '../../sandbox/load';
import type { SandboxState } from '../../sandbox/state';
import { awsConfig, sandboxState, uniqueName } from '../harness/sandbox';

const PROD = '111111111111';
const RECOVERY = '222222222222';
const RESTORE_TEST = '333333333333';
const EVIDENCE = '444444444444';
const EAST = 'us-east-1';
const WEST = 'us-west-2';

let state: SandboxState;
const clients: { destroy(): void }[] = [];
async function make<T extends { destroy(): void }>(Ctor: new (cfg: Awaited<ReturnType<typeof awsConfig>>) => T, account: string, region: string): Promise<T> {
  const c = new Ctor(await awsConfig(account, region));
  clients.push(c);
  return c;
}

beforeAll(() => {
  state = sandboxState();
});
afterAll(() => {
  for (const c of clients) c.destroy();
});

async function instance(account: string, region: string, id: string): Promise<DBInstance> {
  const rds = await make(RDSClient, account, region);
  const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
  return out.DBInstances![0];
}

describe('test sandbox', () => {
  test('is its own sandbox, not the operator one', () => {
    // `.drctl/test-sandbox`, or `.drctl/test-sandbox-<pid>` while another test run holds that one.
    expect(path.basename(state.dir)).toMatch(/^test-sandbox(-\d+)?$/);
    expect(path.resolve(state.dir)).not.toBe(path.join(REPO_ROOT, '.drctl', 'sandbox'));
  });

  test('every server answers', async () => {
    const s = await status(state.dir);
    expect(s.up).toBe(true);
    for (const name of ['temporal', 'postgres', 'moto'] as const) {
      const server = s.servers.find((x) => x.name === name);
      expect(server).toMatchObject({ running: true, answering: true });
    }
    expect(state.temporal.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(state.moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(state.postgres.host).toBe('127.0.0.1');
  });

  test('STS AssumeRole acts in the account named by the role', async () => {
    for (const account of [PROD, RECOVERY, RESTORE_TEST, EVIDENCE]) {
      const sts = await make(STSClient, account, EAST);
      const me = await sts.send(new GetCallerIdentityCommand({}));
      expect(me.Account).toBe(account);
    }
  });
});

describe('seeded production account', () => {
  test('ledger, payments and reporting instances: PostgreSQL, 7-day retention, tier tags', async () => {
    for (const [tier, id] of Object.entries(INSTANCES)) {
      const db = await instance(PROD, EAST, id);
      expect(db.Engine).toBe('postgres');
      expect(db.BackupRetentionPeriod).toBe(7);
      expect(db.DBSubnetGroup?.DBSubnetGroupName).toBe('prod-db');
      expect(db.TagList).toEqual(expect.arrayContaining([{ Key: 'tier', Value: tier }]));
      expect(db.Endpoint?.Address).toBe('127.0.0.1');
      expect(db.DBName).toBeTruthy();
    }
  });

  test('the VPC has an internet gateway and a default route', async () => {
    const ec2 = await make(EC2Client, PROD, EAST);
    const vpc = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:Name', Values: ['drctl-production'] }] }))).Vpcs![0];
    const igws = await ec2.send(new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [vpc.VpcId!] }] }));
    expect(igws.InternetGateways).toHaveLength(1);
    const routes = await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.VpcId!] }] }));
    expect(routes.RouteTables!.flatMap((t) => t.Routes ?? []).some((r) => r.DestinationCidrBlock === '0.0.0.0/0')).toBe(true);
  });

  test('cross-region replica ledger-dr lives in us-west-2 of the production account', async () => {
    const replica = await instance(PROD, WEST, 'ledger-dr');
    expect(replica.DBInstanceArn).toBe(`arn:aws:rds:${WEST}:${PROD}:db:ledger-dr`);
    expect(replica.DBSubnetGroup?.DBSubnetGroupName).toBe('prod-dr-db');
    // A drill running alongside may have promoted it; until then it names its source.
    if (replica.ReadReplicaSourceDBInstanceIdentifier) {
      expect(replica.ReadReplicaSourceDBInstanceIdentifier).toContain('ledger-prod');
    }
    const rdsEast = await make(RDSClient, PROD, EAST);
    await expect(rdsEast.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'ledger-dr' }))).rejects.toThrow();
  });

  test('ledger-vault holds completed recovery points of ledger-prod', async () => {
    const backup = await make(BackupClient, PROD, EAST);
    const vaults = await backup.send(new ListBackupVaultsCommand({}));
    expect(vaults.BackupVaultList?.map((v) => v.BackupVaultName)).toContain('ledger-vault');
    const ledger = await instance(PROD, EAST, 'ledger-prod');
    const rps = await backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: 'ledger-vault', ByResourceArn: ledger.DBInstanceArn }));
    const completed = (rps.RecoveryPoints ?? []).filter((rp) => rp.Status === 'COMPLETED');
    expect(completed.length).toBeGreaterThanOrEqual(3);
    for (const rp of completed) expect(rp.CreationDate).toBeInstanceOf(Date);
  });

  test('payments-prod has several automated snapshots, reporting-prod manual ones', async () => {
    const rds = await make(RDSClient, PROD, EAST);
    const automated = await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'payments-prod', SnapshotType: 'automated' }));
    expect((automated.DBSnapshots ?? []).filter((s) => s.Status === 'available').length).toBeGreaterThanOrEqual(3);
    const manual = await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'reporting-prod', SnapshotType: 'manual' }));
    expect((manual.DBSnapshots ?? []).map((s) => s.DBSnapshotIdentifier)).toEqual(
      expect.arrayContaining(['reporting-prod-manual-1', 'reporting-prod-manual-2']),
    );
  });

  test('hosted zone and the payments API record', async () => {
    const r53 = await make(Route53Client, PROD, EAST);
    const zones = await r53.send(new ListHostedZonesByNameCommand({ DNSName: 'payments.example.internal' }));
    const zone = zones.HostedZones!.find((z) => z.Name === 'payments.example.internal.');
    expect(zone).toBeDefined();
    const records = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone!.Id }));
    const api = records.ResourceRecordSets!.find((r) => r.Name === 'api.payments.example.internal.' && r.Type === 'CNAME');
    expect(api?.ResourceRecords?.[0]?.Value).toBeTruthy();
  });

  test('each production database holds rows; the ledger balances', async () => {
    for (const [kind, id] of Object.entries(INSTANCES)) {
      const target = pgTargetOf(state, await instance(PROD, EAST, id));
      const table = kind === 'ledger' ? 'journal_entries' : kind === 'payments' ? 'payments' : 'daily_positions';
      const n = await withPg(target, async (c) => Number((await c.query(`select count(*) as n from ${table}`)).rows[0].n));
      expect(n).toBeGreaterThan(0);
    }
    const ledger = pgTargetOf(state, await instance(PROD, EAST, 'ledger-prod'));
    const sum = await withPg(ledger, async (c) => (await c.query('select coalesce(sum(amount), 0)::text as s from journal_entries')).rows[0].s);
    expect(Number(sum)).toBe(0);
  });

  test('the write load adds rows with increasing committed_at', async () => {
    const targets = Object.fromEntries(
      await Promise.all(Object.entries(INSTANCES).map(async ([kind, id]) => [kind, pgTargetOf(state, await instance(PROD, EAST, id))])),
    );
    const tables: Record<string, string> = { ledger: 'journal_entries', payments: 'payments', reporting: 'daily_positions' };
    // Rows of this load only (other tests may write too): its references start with `load-`.
    const loadRows: Record<string, string> = { ledger: "and entry_ref like 'load-%'", payments: "and payment_ref like 'load-%'", reporting: '' };
    const before: Record<string, { n: number; maxId: number }> = {};
    for (const kind of Object.keys(INSTANCES)) {
      before[kind] = await withPg(targets[kind], async (c) => {
        const r = await c.query(`select count(*)::int as n, coalesce(max(id), 0)::bigint as m from ${tables[kind]}`);
        return { n: r.rows[0].n, maxId: Number(r.rows[0].m) };
      });
    }
    const result = await runLoad(state, { intervalMs: 200, maxDurationMs: 3000 });
    expect(result.stoppedBecause).toBe('max-duration');
    for (const [kind, id] of Object.entries(INSTANCES)) {
      expect(result.inserted[id]).toBeGreaterThanOrEqual(5);
      const rows = await withPg(targets[kind], async (c) =>
        (await c.query(`select id, committed_at from ${tables[kind]} where id > $1 ${loadRows[kind]} order by id`, [before[kind].maxId])).rows as { id: string; committed_at: Date }[],
      );
      expect(rows.length).toBeGreaterThanOrEqual(result.inserted[id] * (kind === 'ledger' ? 2 : 1));
      for (let i = 1; i < rows.length; i++) {
        expect(rows[i].committed_at.getTime()).toBeGreaterThanOrEqual(rows[i - 1].committed_at.getTime());
      }
      expect(rows[rows.length - 1].committed_at.getTime()).toBeGreaterThan(rows[0].committed_at.getTime());
    }
    const ledger = await withPg(targets.ledger, async (c) => (await c.query('select coalesce(sum(amount), 0)::text as s from journal_entries')).rows[0].s);
    expect(Number(ledger)).toBe(0);
  });
});

describe('seeded isolated restore-test account', () => {
  test('isolated VPC: no internet gateway, no NAT, no peering', async () => {
    const ec2 = await make(EC2Client, RESTORE_TEST, EAST);
    const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:Name', Values: ['drctl-restore-test-isolated'] }] }));
    expect(vpcs.Vpcs).toHaveLength(1);
    const vpcId = vpcs.Vpcs![0].VpcId!;
    const igws = await ec2.send(new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [vpcId] }] }));
    expect(igws.InternetGateways ?? []).toHaveLength(0);
    const nats = await ec2.send(new DescribeNatGatewaysCommand({ Filter: [{ Name: 'vpc-id', Values: [vpcId] }] }));
    expect(nats.NatGateways ?? []).toHaveLength(0);
    const peerings = await ec2.send(new DescribeVpcPeeringConnectionsCommand({}));
    const touching = (peerings.VpcPeeringConnections ?? []).filter(
      (p) => p.RequesterVpcInfo?.VpcId === vpcId || p.AccepterVpcInfo?.VpcId === vpcId,
    );
    expect(touching).toHaveLength(0);
    const routes = await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }));
    expect(routes.RouteTables!.flatMap((t) => t.Routes ?? []).some((r) => r.DestinationCidrBlock === '0.0.0.0/0')).toBe(false);
  });

  test('isolated-db-sg admits PostgreSQL from its own VPC CIDR only', async () => {
    const ec2 = await make(EC2Client, RESTORE_TEST, EAST);
    const sg = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['isolated-db-sg'] }] }))).SecurityGroups![0];
    const vpc = (await ec2.send(new DescribeVpcsCommand({ VpcIds: [sg.VpcId!] }))).Vpcs![0];
    expect(sg.IpPermissions).toHaveLength(1);
    expect(sg.IpPermissions![0]).toMatchObject({ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432 });
    expect(sg.IpPermissions![0].IpRanges!.map((r) => r.CidrIp)).toEqual([vpc.CidrBlock]);
  });

  test('subnet group, KMS alias, vault and database secrets', async () => {
    const rds = await make(RDSClient, RESTORE_TEST, EAST);
    const group = await rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: 'isolated-db' }));
    expect(group.DBSubnetGroups![0].Subnets!.length).toBeGreaterThanOrEqual(2);
    const kms = await make(KMSClient, RESTORE_TEST, EAST);
    const key = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/drctl-restore-test' }));
    expect(key.KeyMetadata?.Arn).toContain(`:${RESTORE_TEST}:`);
    const backup = await make(BackupClient, RESTORE_TEST, EAST);
    const vaults = await backup.send(new ListBackupVaultsCommand({}));
    expect(vaults.BackupVaultList?.map((v) => v.BackupVaultName)).toContain('restore-test-vault');
    const sm = await make(SecretsManagerClient, RESTORE_TEST, EAST);
    for (const name of ['drctl/sandbox/ledger', 'drctl/sandbox/payments', 'drctl/sandbox/reporting']) {
      const secret = await sm.send(new GetSecretValueCommand({ SecretId: name }));
      const value = JSON.parse(secret.SecretString!) as { username: string; password: string };
      expect(value).toEqual({ username: state.postgres.user, password: state.postgres.password });
    }
  });

  test('the production account does not see the restore-test resources', async () => {
    const backup = await make(BackupClient, PROD, EAST);
    const vaults = await backup.send(new ListBackupVaultsCommand({}));
    expect(vaults.BackupVaultList?.map((v) => v.BackupVaultName)).not.toContain('restore-test-vault');
  });
});

describe('seeded recovery account', () => {
  test('us-west-2: subnet group, KMS alias, vault and secrets', async () => {
    const rds = await make(RDSClient, RECOVERY, WEST);
    const group = await rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: 'recovery-db' }));
    expect(group.DBSubnetGroups).toHaveLength(1);
    const kms = await make(KMSClient, RECOVERY, WEST);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: 'alias/drctl-recovery' }))).KeyMetadata?.Arn).toContain(`:${WEST}:${RECOVERY}:`);
    const backup = await make(BackupClient, RECOVERY, WEST);
    const vaults = await backup.send(new ListBackupVaultsCommand({}));
    expect(vaults.BackupVaultList?.map((v) => v.BackupVaultName)).toContain('recovery-vault');
    const sm = await make(SecretsManagerClient, RECOVERY, WEST);
    const secret = await sm.send(new GetSecretValueCommand({ SecretId: 'drctl/sandbox/ledger' }));
    expect(JSON.parse(secret.SecretString!).username).toBe(state.postgres.user);
  });
});

describe('up then down', () => {
  test('leaves no process of the sandbox running, the write load and the worker included', async () => {
    const dir = path.join(REPO_ROOT, '.drctl', uniqueName('test-updown'));
    try {
      const result = await up({ dir, installTools: false, seed: true, load: { intervalMs: 200, maxDurationMs: 120000 } });
      const s = result.state;
      expect(result.reused).toBe(false);
      // Its own ports, not the shared test sandbox's.
      expect(s.temporal.address).not.toBe(state.temporal.address);
      expect(s.moto.endpoint).not.toBe(state.moto.endpoint);
      expect(s.postgres.port).not.toBe(state.postgres.port);
      // The drctl worker serves the default queues of its own Temporal, and polls them.
      expect(s.worker).toBeDefined();
      expect(s.worker!.queues).toEqual(['drctl', 'drctl-111111111111', 'drctl-222222222222', 'drctl-333333333333', 'drctl-444444444444']);
      expect(fs.readFileSync(path.join(dir, 'logs', 'worker.log'), 'utf8')).toMatch(/^drctl worker: \S+ serving drctl, /m);
      expect((await status(dir)).servers.find((x) => x.name === 'worker')).toMatchObject({ pid: s.worker!.pid, running: true, answering: true });
      const pids = [s.temporal.pid, s.moto.pid, s.postgres.pid, s.load!.pid, s.worker!.pid];
      for (const pid of pids) expect(isAlive(pid)).toBe(true);
      // Children too: PostgreSQL's checkpointer, walwriter, backends, ...
      const everything = [...new Set(pids.flatMap((pid) => processTree(pid)))];
      expect(everything.length).toBeGreaterThan(pids.length);

      const again = await up({ dir, installTools: false, seed: false });
      expect(again.reused).toBe(true);
      expect(again.state.moto.pid).toBe(s.moto.pid);
      expect(again.state.worker?.pid).toBe(s.worker!.pid);

      const d = await down(dir);
      expect(d.stopped.map((x) => x.name).sort()).toEqual(['load', 'moto', 'postgres', 'temporal', 'worker']);
      // The worker goes first, while its Temporal is still there.
      expect(d.stopped[0].name).toBe('worker');
      expect(d.stopped.every((x) => x.gone)).toBe(true);
      for (const pid of everything) expect(isAlive(pid)).toBe(false);
      for (const pid of pids) expect(groupMembers(pid)).toEqual([]);
      expect(fs.existsSync(path.join(dir, 'state.json'))).toBe(false);
      expect((await status(dir)).up).toBe(false);
      // Nothing listens on its ports any more.
      const pg = new PgClient({ host: s.postgres.host, port: s.postgres.port, user: s.postgres.user, password: s.postgres.password, database: 'postgres', connectionTimeoutMillis: 1000 });
      await expect(pg.connect()).rejects.toThrow();
      await pg.end().catch(() => undefined);
    } finally {
      await down(dir).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
