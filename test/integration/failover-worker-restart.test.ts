/**
 * The worker is killed (SIGKILL) mid-failover and started again: the drill completes, and the restore
 * that was in flight is the same instance afterwards (the retry found it instead of making another).
 */
import type { ChildProcess } from 'node:child_process';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { spawnWorker } from '../harness/cli';
import { awsConfig } from '../harness/sandbox';
import { ACCOUNT_IDS, ALL_ACCOUNTS, queuePrefix, testClient } from '../harness/temporal';
import { startFailover, stepReaches } from '../harness/failover';

const exited = (p: ChildProcess) => new Promise<void>((resolve) => (p.exitCode !== null || p.signalCode !== null ? resolve() : p.once('exit', () => resolve())));

it('completes after a worker crash with no action done twice', async () => {
  const prefix = queuePrefix('focrash');
  const temporal = await testClient();
  let worker = spawnWorker(prefix, ALL_ACCOUNTS);
  try {
    const h = await startFailover(temporal.client, prefix, 'drill', { mode: 'drill', tiers: ['reporting'] });
    await stepReaches(h, 'reporting/reporting-db/restore', 'running');
    const rds = new RDSClient(await awsConfig(ACCOUNT_IDS.recovery, 'us-west-2'));
    const { runKey } = await import('../../runbooks');
    const key = runKey(h.workflowId);
    const inFlight = await (async () => {
      for (;;) {
        const mine = ((await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).filter((d) => d.DBInstanceIdentifier!.includes(key));
        if (mine.length) return mine;
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    expect(inFlight.length).toBe(1);
    worker.kill('SIGKILL');
    await exited(worker);
    worker = spawnWorker(prefix, ALL_ACCOUNTS);
    const r = await h.result();
    expect(r.status).toBe('COMPLETED');
    expect(r.tiers[0].resources[0].arn).toBe(inFlight[0].DBInstanceArn);

    const history = await h.fetchHistory();
    const scheduled = new Map<number, string>();
    for (const e of history.events!) if (e.activityTaskScheduledEventAttributes) scheduled.set(Number(e.eventId), e.activityTaskScheduledEventAttributes.activityType!.name!);
    const completed = history.events!.filter((e) => e.activityTaskCompletedEventAttributes).map((e) => scheduled.get(Number(e.activityTaskCompletedEventAttributes!.scheduledEventId)));
    const restarts = history.events!.filter((e) => e.activityTaskStartedEventAttributes && (e.activityTaskStartedEventAttributes.attempt ?? 1) > 1).map((e) => scheduled.get(Number(e.activityTaskStartedEventAttributes!.scheduledEventId)));
    expect(restarts).toContain('restoreFromSnapshot'); // the in-flight restore really was retried
    expect(completed.filter((n) => n === 'restoreFromSnapshot')).toHaveLength(1);
    expect(r.leakScan!.leaks).toEqual([]);
  } finally {
    worker.kill('SIGTERM');
    await exited(worker);
    await temporal.close();
  }
});
