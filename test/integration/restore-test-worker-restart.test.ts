/**
 * The worker process is killed (SIGKILL) while a restore is in progress and started again: the run
 * completes and the emulator shows exactly one restore job for the resource.
 */
import { BackupClient, GetRestoreJobMetadataCommand, ListRestoreJobsCommand } from '@aws-sdk/client-backup';
import type { ChildProcess } from 'node:child_process';
import { restoreTest } from '../../workflows';
import type { RestoreTestProgress } from '../../workflows/restore-test';
import { spawnWorker } from '../harness/cli';
import { freshRecoveryPoints } from '../harness/recovery-points';
import { awsConfig } from '../harness/sandbox';
import { ACCOUNT_IDS, ALL_ACCOUNTS, demoRunbook, eventually, queuePrefix, testClient } from '../harness/temporal';

const exited = (p: ChildProcess) => new Promise<void>((resolve) => (p.exitCode !== null || p.signalCode !== null ? resolve() : p.once('exit', () => resolve())));

it('resumes after a worker crash without starting a second restore', async () => {
  const prefix = queuePrefix('crash');
  const temporal = await testClient();
  let worker = spawnWorker(prefix, ALL_ACCOUNTS);
  try {
    await freshRecoveryPoints();
    const { runbook, runbookSha256 } = demoRunbook();
    const startedAt = new Date();
    const handle = await temporal.client.workflow.start(restoreTest, { taskQueue: prefix, workflowId: `${prefix}-rt`, args: [{ runbook, runbookSha256, resourceId: 'ledger-db', initiator: 'jest', taskQueuePrefix: prefix }] });
    await eventually(async () => ((await handle.query<RestoreTestProgress>('progress')).steps.find((s) => s.id === 'restore')?.status === 'running' ? true : undefined), 90_000, 'restore running');
    worker.kill('SIGKILL');
    await exited(worker);
    worker = spawnWorker(prefix, ALL_ACCOUNTS);
    const r = await handle.result();
    expect([r.status, r.reasons]).toEqual(['PASSED', []]);

    // The restore activity really ran twice (the first attempt died with the worker)...
    const history = await handle.fetchHistory();
    const restoreScheduled = history.events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'restore').map((e) => Number(e.eventId));
    const attempts = history.events!.filter((e) => e.activityTaskStartedEventAttributes && restoreScheduled.includes(Number(e.activityTaskStartedEventAttributes.scheduledEventId))).map((e) => e.activityTaskStartedEventAttributes!.attempt);
    expect(Math.max(...(attempts as number[]))).toBeGreaterThanOrEqual(2);

    // ...and the emulator holds exactly one restore job for the resource's restored instance.
    const backup = new BackupClient(await awsConfig(ACCOUNT_IDS.restoreTest, 'us-east-1'));
    const jobs = (await backup.send(new ListRestoreJobsCommand({ ByCreatedAfter: startedAt }))).RestoreJobs ?? [];
    const ours: string[] = [];
    for (const j of jobs) {
      const meta = await backup.send(new GetRestoreJobMetadataCommand({ RestoreJobId: j.RestoreJobId! }));
      if (meta.Metadata?.DBInstanceIdentifier === r.restored!.identifier) ours.push(j.RestoreJobId!);
    }
    expect(ours).toEqual([r.restored!.restoreJobId]);
    expect(r.leakScan.leaks).toEqual([]);
  } finally {
    worker.kill('SIGTERM');
    await exited(worker);
    await temporal.close();
  }
});
