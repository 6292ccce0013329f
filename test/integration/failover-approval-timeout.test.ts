/** An incident approval that does not arrive in time aborts the run cleanly, before any change. */
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { awsConfig } from '../harness/sandbox';
import { ACCOUNT_IDS, queuePrefix, startTestWorkers, testClient } from '../harness/temporal';
import { startFailover, step } from '../harness/failover';

it('aborts when approvals time out and changes nothing', async () => {
  const prefix = queuePrefix('timeout');
  const workers = await startTestWorkers(prefix);
  const temporal = await testClient();
  try {
    const h = await startFailover(temporal.client, prefix, 'inc', { mode: 'incident', tiers: ['reporting'], change: (rb) => { rb.approvals = { incident: { approvers: 2, timeout: '4s' } }; } });
    const r = await h.result();
    expect(r.status).toBe('ABORTED');
    expect(r.reasons[0]).toBe('approval approve/incident timed out after 4s (0/2 approvals)');
    expect(step(r, 'approve/incident').status).toBe('failed');
    // Every change waited behind the gate and never ran.
    expect(r.steps.filter((s) => s.effect === 'write').map((s) => [s.id, s.status, s.attempts])).toEqual([['reporting/reporting-db/restore', 'blocked', 0]]);
    const rds = new RDSClient(await awsConfig(ACCOUNT_IDS.recovery, 'us-west-2'));
    const ours = ((await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).filter((d) => d.DBInstanceIdentifier!.includes(r.runKey));
    expect(ours).toEqual([]);
    expect(r.live).toEqual([]);
  } finally {
    await workers.shutdown();
    await temporal.close();
  }
});
