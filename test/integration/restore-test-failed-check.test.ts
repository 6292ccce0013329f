/** A validation check that fails: the run is FAILED with the check and its output, and still cleans up. */
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { restoreTest } from '../../workflows';
import { awsConfig } from '../harness/sandbox';
import { ACCOUNT_IDS, demoRunbook, queuePrefix, startTestWorkers, testClient } from '../harness/temporal';

it('reports the failing check with its output and removes the restored copy', async () => {
  const prefix = queuePrefix('failcheck');
  const workers = await startTestWorkers(prefix);
  const temporal = await testClient();
  try {
    const { runbook, runbookSha256 } = demoRunbook((rb) => {
      rb.tiers[2].resources[0].validate = [
        { name: 'report rows', sql: 'select count(*) from daily_positions', expect: '>= 1' },
        { name: 'no negative balances', sql: 'select count(*) from daily_positions where balance < 1000000000', expect: '= 0' },
      ];
    });
    const r = await temporal.client.workflow.execute(restoreTest, { taskQueue: prefix, workflowId: `${prefix}-rt`, args: [{ runbook, runbookSha256, resourceId: 'reporting-db', initiator: 'jest', taskQueuePrefix: prefix }] });
    expect(r.status).toBe('FAILED');
    expect(r.reasons).toEqual([expect.stringMatching(/^check "no negative balances" failed: got \d+, expected = 0$/)]);
    const failing = r.validation!.checks.find((c) => c.name === 'no negative balances')!;
    expect(failing).toMatchObject({ passed: false, sql: 'select count(*) from daily_positions where balance < 1000000000' });
    expect(Number(failing.value)).toBeGreaterThan(0);
    expect(r.validation!.checks.find((c) => c.name === 'report rows')!.passed).toBe(true);
    expect(r.steps.find((s) => s.id === 'cleanup')!.status).toBe('done');
    expect(r.leakScan.leaks).toEqual([]);
    const rds = new RDSClient(await awsConfig(ACCOUNT_IDS.restoreTest, 'us-east-1'));
    await expect(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: r.restored!.identifier }))).rejects.toMatchObject({ name: 'DBInstanceNotFoundFault' });
  } finally {
    await workers.shutdown();
    await temporal.close();
  }
});
