/**
 * Records workflow histories for the replay test: runs a restore test, a drill and an incident of the
 * demo runbook against a running sandbox (`drctl sandbox up`) and writes their histories to
 * test/fixtures/histories/. Re-record only when a workflow change is meant to be incompatible
 * (otherwise use Temporal's patching so running workflows keep replaying).
 *
 *   npx tsx scripts/record-histories.ts [sandbox dir]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { loadRunbookFile } from '../runbooks';
import { readState } from '../sandbox/sandbox';
import { startWorkers } from '../worker/worker';
import { failover, restoreTest } from '../workflows';

async function main(): Promise<void> {
  const state = readState(process.argv[2]);
  if (!state) throw new Error('no sandbox running: drctl sandbox up');
  const prefix = `record-${Date.now().toString(36)}`;
  const workers = await startWorkers({
    config: { address: state.temporal.address, namespace: state.temporal.namespace, queuePrefix: prefix, accountIds: ['111111111111', '222222222222', '333333333333', '444444444444'], serveWorkflows: true, awsEndpoint: state.moto.endpoint },
    awsCredentials: { accessKeyId: state.aws.accessKeyId, secretAccessKey: state.aws.secretAccessKey },
  });
  const connection = await Connection.connect({ address: state.temporal.address });
  const client = new Client({ connection, namespace: state.temporal.namespace });
  const { runbook, sha256 } = loadRunbookFile(join(__dirname, '..', 'runbooks', 'examples', 'sandbox-demo.yaml'));
  const out = join(__dirname, '..', 'test', 'fixtures', 'histories');
  try {
    const rt = await client.workflow.start(restoreTest, { taskQueue: prefix, workflowId: `${prefix}-restore-test`, args: [{ runbook, runbookSha256: sha256, resourceId: 'ledger-db', initiator: 'recorder', taskQueuePrefix: prefix }] });
    const drill = await client.workflow.start(failover, { taskQueue: prefix, workflowId: `${prefix}-drill`, args: [{ runbook, runbookSha256: sha256, mode: 'drill', initiator: 'recorder', taskQueuePrefix: prefix, tiers: ['reporting'] }] });
    const incident = await client.workflow.start(failover, { taskQueue: prefix, workflowId: `${prefix}-incident`, args: [{ runbook, runbookSha256: sha256, mode: 'incident', initiator: 'recorder', incident: { id: 'INC-REC', declaredAt: new Date().toISOString() }, taskQueuePrefix: prefix, tiers: ['reporting'] }] });
    await new Promise((r) => setTimeout(r, 3000));
    await incident.executeUpdate('approve', { args: [{ approver: 'approver-1' }] });
    await incident.executeUpdate('approve', { args: [{ approver: 'approver-2' }] });
    for (const [name, h] of [['restore-test', rt], ['drill', drill], ['incident', incident]] as const) {
      await h.result();
      writeFileSync(join(out, `${name}.json`), historyToJSON(await h.fetchHistory()));
      process.stdout.write(`recorded ${name}\n`);
    }
  } finally {
    await workers.shutdown();
    await connection.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
