/**
 * Targets that are not isolated are refused before anything is copied or restored, with the reason:
 * an internet route, an open security group, and (before any cloud call) the production account.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { BackupClient, ListRestoreJobsCommand, ListCopyJobsCommand } from '@aws-sdk/client-backup';
import {
  AttachInternetGatewayCommand, AuthorizeSecurityGroupIngressCommand, CreateInternetGatewayCommand, CreateRouteCommand, CreateSecurityGroupCommand,
  CreateSubnetCommand, CreateVpcCommand, DescribeRouteTablesCommand, EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateDBSubnetGroupCommand, DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { restoreTest } from '../../workflows';
import { awsConfig, sandboxState, uniqueName } from '../harness/sandbox';
import { ACCOUNT_IDS, demoRunbook, queuePrefix, startTestWorkers, testClient } from '../harness/temporal';
import type { RunningWorkers } from '../../worker/worker';

const REGION = 'us-east-1';
let workers: RunningWorkers;
let temporal: Awaited<ReturnType<typeof testClient>>;
const prefix = queuePrefix('isolation');

beforeAll(async () => {
  workers = await startTestWorkers(prefix);
  temporal = await testClient();
});
afterAll(async () => {
  await workers?.shutdown();
  await temporal?.close();
});

/** A VPC in the restore-test account with a subnet group; `internet` adds an IGW default route. */
async function network(opts: { internet?: boolean; openIngress?: boolean }): Promise<{ subnetGroup: string; securityGroup: string }> {
  const ec2 = new EC2Client(await awsConfig(ACCOUNT_IDS.restoreTest, REGION));
  const rds = new RDSClient(await awsConfig(ACCOUNT_IDS.restoreTest, REGION));
  const name = uniqueName('leaky');
  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.77.0.0/16' }))).Vpc!.VpcId!;
  const subnets = await Promise.all(['a', 'b'].map(async (az, i) => (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: `10.77.${i}.0/24`, AvailabilityZone: `${REGION}${az}` }))).Subnet!.SubnetId!));
  await rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: name, DBSubnetGroupDescription: 'test', SubnetIds: subnets }));
  const sg = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: name, Description: 'test', VpcId: vpc }))).GroupId!;
  if (opts.openIngress) {
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: sg, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
  }
  if (opts.internet) {
    const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpc }));
    const table = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc] }] }))).RouteTables![0].RouteTableId!;
    await ec2.send(new CreateRouteCommand({ RouteTableId: table, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw }));
  }
  return { subnetGroup: name, securityGroup: name };
}

async function refusedRun(name: string, net: { subnetGroup: string; securityGroup: string }, resourceId: string) {
  const { runbook, runbookSha256 } = demoRunbook((rb) => {
    rb.restoreTest = { ...rb.restoreTest!, subnetGroup: net.subnetGroup, securityGroups: [net.securityGroup] };
  });
  const startedAt = new Date();
  const r = await temporal.client.workflow.execute(restoreTest, { taskQueue: prefix, workflowId: `${prefix}-${name}`, args: [{ runbook, runbookSha256, resourceId, initiator: 'jest', taskQueuePrefix: prefix }] });
  // The emulator saw no copy and no restore for this run, and holds nothing of it.
  const backup = new BackupClient(await awsConfig(ACCOUNT_IDS.restoreTest, REGION));
  const restores = (await backup.send(new ListRestoreJobsCommand({ ByCreatedAfter: startedAt }))).RestoreJobs ?? [];
  const prodBackup = new BackupClient(await awsConfig(ACCOUNT_IDS.production, REGION));
  const copies = ((await prodBackup.send(new ListCopyJobsCommand({ ByCreatedAfter: startedAt }))).CopyJobs ?? []);
  const rds = new RDSClient(await awsConfig(ACCOUNT_IDS.restoreTest, REGION));
  const instances = ((await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).filter((i) => i.DBInstanceIdentifier!.includes(r.runKey));
  const snapshots = ((await rds.send(new DescribeDBSnapshotsCommand({}))).DBSnapshots ?? []).filter((s) => s.DBSnapshotIdentifier!.includes(r.runKey));
  return { r, restores, copies, instances, snapshots };
}

it('refuses a subnet group whose VPC routes to an internet gateway, and starts nothing', async () => {
  const { r, restores, copies, instances, snapshots } = await refusedRun('igw', await network({ internet: true }), 'ledger-db');
  expect(r.status).toBe('REFUSED');
  expect(r.reasons).toEqual([expect.stringMatching(/^not isolated: route table rtb-\S+ routes 0\.0\.0\.0\/0 to internet gateway igw-\S+$/)]);
  expect(r.steps.filter((s) => ['copy', 'restore', 'validate'].includes(s.id)).map((s) => s.status)).toEqual(['skipped', 'skipped', 'skipped']);
  expect(restores.filter((j) => j.CreatedResourceArn?.includes(r.runKey))).toEqual([]);
  expect(copies.filter((j) => j.SourceRecoveryPointArn && r.recoveryPoint && j.SourceRecoveryPointArn === r.recoveryPoint.arn && j.CreationDate! >= new Date(r.startedAt))).toEqual([]);
  expect(instances).toEqual([]);
  expect(snapshots).toEqual([]);
});

it('refuses a security group open to 0.0.0.0/0', async () => {
  const { r, instances, snapshots } = await refusedRun('open-sg', await network({ openIngress: true }), 'reporting-db');
  expect(r.status).toBe('REFUSED');
  expect(r.reasons).toEqual([expect.stringMatching(/^not isolated: security group sg-\S+ allows ingress from 0\.0\.0\.0\/0$/)]);
  expect(instances).toEqual([]);
  expect(snapshots).toEqual([]);
});

it('refuses a restore test aimed at the production account before any cloud call', () => {
  const { runbook } = demoRunbook((rb) => {
    rb.restoreTest = { ...rb.restoreTest!, account: 'production' };
  });
  const file = join(sandboxState().dir, `${uniqueName('into-prod')}.yaml`);
  writeFileSync(file, stringify(runbook));
  // No TEMPORAL_ADDRESS and no sandbox: had it tried to reach anything, it would fail differently.
  const res = spawnSync(process.execPath, [join(__dirname, '..', '..', 'bin', 'drctl.js'), 'restore-test', file], { encoding: 'utf8', env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1', DRCTL_AWS_ENDPOINT: 'http://127.0.0.1:1' } });
  expect(res.status).toBe(2);
  expect(res.stderr).toMatch(/restoreTest\.account: restore tests must never target the production account \("production"\)/);
});
