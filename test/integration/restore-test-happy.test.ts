/**
 * Restore verification of the demo platform, both paths: AWS Backup (ledger: copy job + restore job)
 * and RDS snapshots (payments automated, reporting manual: staged share + cross-account copy +
 * restore), with SQL on the restored data, measurements that match the emulator's own timestamps,
 * and nothing left behind in either account.
 */
import { BackupClient, DescribeRecoveryPointCommand, DescribeRestoreJobCommand } from '@aws-sdk/client-backup';
import { DescribeDBInstancesCommand, DescribeDBSnapshotAttributesCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { restoreVerification } from '../../workflows';
import { freshRecoveryPoints } from '../harness/recovery-points';
import { awsConfig } from '../harness/sandbox';
import { ACCOUNT_IDS, demoRunbook, queuePrefix, startTestWorkers, testClient } from '../harness/temporal';
import type { RunningWorkers } from '../../worker/worker';
import type { RestoreVerificationResult } from '../../workflows/restore-verification';

const REGION = 'us-east-1';
let workers: RunningWorkers;
let temporal: Awaited<ReturnType<typeof testClient>>;
let result: RestoreVerificationResult;
const prefix = queuePrefix('happy');

beforeAll(async () => {
  workers = await startTestWorkers(prefix);
  temporal = await testClient();
  await freshRecoveryPoints();
  // `latest` rather than the demo's `random`, so the RPO verdict does not depend on which seed snapshot is drawn.
  const { runbook, runbookSha256 } = demoRunbook((rb) => {
    rb.tiers[1].resources[0].restoreTest!.from.pick = 'latest';
  });
  result = await temporal.client.workflow.execute(restoreVerification, {
    taskQueue: prefix, workflowId: `${prefix}-rv`,
    args: [{ runbook, runbookSha256, initiator: 'jest:happy', taskQueuePrefix: prefix, parallelism: 3 }],
  });
});

afterAll(async () => {
  await workers?.shutdown();
  await temporal?.close();
});

it('passes for every resource with every check green', () => {
  expect(result.errors).toEqual([]);
  expect(result.results.map((r) => [r.resource, r.status, r.reasons])).toEqual([
    ['ledger-db', 'PASSED', []], ['payments-db', 'PASSED', []], ['reporting-db', 'PASSED', []],
  ]);
  for (const r of result.results) {
    expect(r.validation!.checks.length).toBe(r.resource === 'reporting-db' ? 1 : r.resource === 'ledger-db' ? 3 : 2);
    expect(r.validation!.checks.every((c) => c.passed)).toBe(true);
    expect(r.initiator).toBe('jest:happy');
    expect(r.target).toMatchObject({ accountId: ACCOUNT_IDS.restoreTest, subnetGroup: 'isolated-db' });
  }
});

it('validated real rows restored from the recovery point', () => {
  const ledger = result.results[0];
  const count = Number(ledger.validation!.checks.find((c) => c.name === 'journal not empty')!.value);
  expect(count).toBeGreaterThanOrEqual(50); // the seed wrote 50 balanced rows before the first backup
  expect(Number(ledger.validation!.checks.find((c) => c.name === 'books balance')!.value)).toBe(0);
  // The newest restored row cannot be newer than the recovery point that holds it.
  expect(Date.parse(ledger.validation!.newestRow!)).toBeLessThanOrEqual(Date.parse(ledger.recoveryPoint!.createdAt));
});

it('measures from the emulator\'s own timestamps', async () => {
  const ledger = result.results[0];
  const target = new BackupClient(await awsConfig(ACCOUNT_IDS.restoreTest, REGION));
  const job = await target.send(new DescribeRestoreJobCommand({ RestoreJobId: ledger.restored!.restoreJobId! }));
  expect(ledger.restored!.startedAt).toBe(job.CreationDate!.toISOString());
  expect(ledger.restored!.completedAt).toBe(job.CompletionDate!.toISOString());
  expect(ledger.measurements.restoreDurationMs).toBe(job.CompletionDate!.getTime() - job.CreationDate!.getTime());
  expect(ledger.measurements.restoreDurationMs!).toBeGreaterThan(500); // the sandbox's restore takes time
  expect(job.ValidationStatus).toBe('SUCCESSFUL');

  const source = new BackupClient(await awsConfig(ACCOUNT_IDS.production, REGION));
  const rp = await source.send(new DescribeRecoveryPointCommand({ BackupVaultName: 'ledger-vault', RecoveryPointArn: ledger.recoveryPoint!.arn }));
  expect(ledger.recoveryPoint!.createdAt).toBe(rp.CreationDate!.toISOString());
  expect(ledger.measurements.rpa.actualMs).toBe(Date.parse(ledger.startedAt) - rp.CreationDate!.getTime());
  expect(ledger.measurements.dataRpa.actualMs).toBe(Date.parse(ledger.startedAt) - Date.parse(ledger.validation!.newestRow!));
  expect(ledger.measurements.rta.actualMs).toBe(Date.parse(ledger.validation!.validatedAt) - Date.parse(ledger.startedAt));

  const prodRds = new RDSClient(await awsConfig(ACCOUNT_IDS.production, REGION));
  const payments = result.results[1];
  const snaps = await prodRds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'payments-prod', SnapshotType: 'automated' }));
  const chosen = snaps.DBSnapshots!.find((s) => s.DBSnapshotArn === payments.recoveryPoint!.arn)!;
  expect(payments.recoveryPoint!.createdAt).toBe(chosen.SnapshotCreateTime!.toISOString());
  for (const r of result.results) {
    expect(r.measurements.rta.verdict).toBe('met');
    expect(r.measurements.rpa.verdict).toBe('met');
  }
});

it('leaves nothing behind, and production\'s snapshots are not even re-shared', async () => {
  const keys = result.results.map((r) => r.runKey);
  const rt = new RDSClient(await awsConfig(ACCOUNT_IDS.restoreTest, REGION));
  const instances = (await rt.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
  const snapshots = (await rt.send(new DescribeDBSnapshotsCommand({}))).DBSnapshots ?? [];
  expect(instances.filter((i) => keys.some((k) => i.DBInstanceIdentifier!.includes(k)))).toEqual([]);
  expect(snapshots.filter((s) => keys.some((k) => s.DBSnapshotIdentifier!.includes(k)))).toEqual([]);
  const prod = new RDSClient(await awsConfig(ACCOUNT_IDS.production, REGION));
  const prodSnaps = (await prod.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual' }))).DBSnapshots ?? [];
  expect(prodSnaps.filter((s) => keys.some((k) => s.DBSnapshotIdentifier!.includes(k)))).toEqual([]);
  const attrs = await prod.send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: result.results[2].recoveryPoint!.id! }));
  const restore = attrs.DBSnapshotAttributesResult?.DBSnapshotAttributes?.find((a) => a.AttributeName === 'restore');
  expect(restore?.AttributeValues ?? []).toEqual([]);
  for (const r of result.results) {
    expect(r.leakScan.leaks).toEqual([]);
    expect(r.cleanup.problems).toEqual([]);
    expect(r.cleanup.deleted).toEqual(expect.arrayContaining([r.restored!.arn]));
  }
});
