/** Cancelling a restore test in the middle of the restore: cleanup still runs, nothing leaks. */
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { restoreTest } from '../../workflows';
import type { RestoreTestProgress } from '../../workflows/restore-test';
import { awsConfig } from '../harness/sandbox';
import { ACCOUNT_IDS, demoRunbook, eventually, queuePrefix, startTestWorkers, testClient } from '../harness/temporal';

it('cleans up after a cancel during the restore', async () => {
  const prefix = queuePrefix('cancel');
  const workers = await startTestWorkers(prefix);
  const temporal = await testClient();
  try {
    const { runbook, runbookSha256 } = demoRunbook();
    const handle = await temporal.client.workflow.start(restoreTest, { taskQueue: prefix, workflowId: `${prefix}-rt`, args: [{ runbook, runbookSha256, resourceId: 'ledger-db', initiator: 'jest', taskQueuePrefix: prefix }] });
    await eventually(async () => {
      const p = await handle.query<RestoreTestProgress>('progress');
      return p.steps.find((s) => s.id === 'restore')?.status === 'running' ? true : undefined;
    }, 60_000, 'restore running');
    await handle.cancel();
    const r = await handle.result();
    expect(r.status).toBe('CANCELLED');
    expect(r.steps.find((s) => s.id === 'restore')!.status).toBe('cancelled');
    expect(r.steps.find((s) => s.id === 'cleanup')!.status).toBe('done');
    expect(r.leakScan.leaks).toEqual([]);
    // The restore job was running when cancelled: cleanup waited for it and removed what it created.
    const rds = new RDSClient(await awsConfig(ACCOUNT_IDS.restoreTest, 'us-east-1'));
    const left = ((await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).filter((i) => i.DBInstanceIdentifier!.includes(r.runKey));
    expect(left).toEqual([]);
    expect(r.cleanup.deleted.some((arn) => arn.includes(':db:drctl-rt-'))).toBe(true);
  } finally {
    await workers.shutdown();
    await temporal.close();
  }
});
