/** A worker started for only some accounts runs only those accounts' activities. */
import { restoreTest } from '../../workflows';
import type { RestoreTestProgress } from '../../workflows/restore-test';
import { ACCOUNT_IDS, demoRunbook, eventually, queuePrefix, startTestWorkers, testClient } from '../harness/temporal';

it('waits for the production account\'s worker before acting there', async () => {
  const prefix = queuePrefix('accounts');
  const temporal = await testClient();
  // Evidence goes to the evidence account's queue, so that account is served too.
  const isolatedOnly = await startTestWorkers(prefix, [ACCOUNT_IDS.restoreTest, ACCOUNT_IDS.evidence]);
  let production: Awaited<ReturnType<typeof startTestWorkers>> | undefined;
  try {
    const { runbook, runbookSha256 } = demoRunbook();
    const handle = await temporal.client.workflow.start(restoreTest, { taskQueue: prefix, workflowId: `${prefix}-rt`, args: [{ runbook, runbookSha256, resourceId: 'reporting-db', initiator: 'jest', taskQueuePrefix: prefix }] });
    await new Promise((r) => setTimeout(r, 4000));
    const stuck = await handle.query<RestoreTestProgress>('progress');
    // The first step acts in production: no worker serves that account's queue, so it has not run.
    expect(stuck.steps.map((s) => s.status)).toEqual(['running', 'pending', 'pending', 'pending', 'pending', 'pending', 'pending', 'pending']);
    const desc = await handle.describe();
    expect(desc.raw.pendingActivities?.map((a) => [a.activityType?.name, a.attempt])).toEqual([['selectRecoveryPoint', 1]]);
    production = await startTestWorkers(prefix, [ACCOUNT_IDS.production], false);
    const r = await handle.result();
    expect(r.status).toBe('PASSED');
    await eventually(async () => true);
  } finally {
    await production?.shutdown();
    await isolatedOnly.shutdown();
    await temporal.close();
  }
});
