/**
 * A runbook whose evidence bucket has no Object Lock: drctl refuses the run before it writes a single
 * event or acts anywhere, and says why.
 */
import { CreateBucketCommand, DeleteBucketCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { restoreTest, restoreVerification } from '../../workflows';
import { awsConfig, uniqueName } from '../harness/sandbox';
import { ACCOUNT_IDS, demoRunbook, queuePrefix, startTestWorkers, testClient } from '../harness/temporal';

it('refuses a restore test whose evidence bucket has no Object Lock, before any event or action', async () => {
  const prefix = queuePrefix('nolock');
  const bucket = uniqueName('drctl-nolock');
  const s3 = new S3Client({ ...(await awsConfig(ACCOUNT_IDS.evidence, 'us-east-1')), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const workers = await startTestWorkers(prefix);
  const temporal = await testClient();
  try {
    const { runbook, runbookSha256 } = demoRunbook((rb) => {
      rb.accounts.evidence.evidence = { bucket, retention: '1d' };
    });
    const r = await temporal.client.workflow.execute(restoreTest, {
      taskQueue: prefix, workflowId: `${prefix}-rt`,
      args: [{ runbook, runbookSha256, resourceId: 'reporting-db', initiator: 'jest:nolock', taskQueuePrefix: prefix }],
    });
    expect(r.status).toBe('REFUSED');
    expect(r.reasons[0]).toBe(`evidence store refused the run: evidence bucket ${bucket} in account ${ACCOUNT_IDS.evidence} has no Object Lock: drctl refuses to write evidence where it could be changed or deleted (create the bucket with Object Lock enabled)`);
    // Nothing acted: no recovery point chosen, nothing restored or created.
    expect(r.steps.find((s) => s.id === 'select-recovery-point')!.status).toBe('skipped');
    expect(r.recoveryPoint).toBeUndefined();
    expect(r.created).toEqual([]);
    expect(r.evidence).toMatchObject({ stored: 0, head: null });
    expect(r.evidence!.problems.length).toBeGreaterThan(0);
    // A restore verification is refused as a whole: no child starts.
    const v = await temporal.client.workflow.execute(restoreVerification, {
      taskQueue: prefix, workflowId: `${prefix}-rv`,
      args: [{ runbook, runbookSha256, initiator: 'jest:nolock', taskQueuePrefix: prefix }],
    });
    expect(v.status).toBe('FAILED');
    expect(v.results).toEqual([]);
    expect(v.errors.map((e) => e.resource)).toEqual(['ledger-db', 'payments-db', 'reporting-db']);
    expect(v.errors[0].error).toContain('has no Object Lock');
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect([...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])]).toEqual([]);
  } finally {
    await workers.shutdown();
    await temporal.close();
    await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
    s3.destroy();
  }
});
