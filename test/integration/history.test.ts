/** `drctl history` over the evidence a real restore test wrote: the run is there, untested resources are flagged. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { restoreTest } from '../../workflows';
import { drctl } from '../harness/cli';
import { DEMO_RUNBOOK_FILE, demoRunbook, queuePrefix, startTestWorkers, testClient } from '../harness/temporal';

it('shows a restore test from its evidence and flags the resources never restore-tested', async () => {
  const prefix = queuePrefix('history');
  // The in-process worker keeps its local evidence copies here (read when the activities are created).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drctl-history-'));
  const before = process.env.DRCTL_EVIDENCE_DIR;
  process.env.DRCTL_EVIDENCE_DIR = dir;
  const workers = await startTestWorkers(prefix);
  const temporal = await testClient();
  try {
    const { runbook, runbookSha256 } = demoRunbook();
    const workflowId = `${prefix}-rt`;
    const r = await temporal.client.workflow.execute(restoreTest, { taskQueue: prefix, workflowId, args: [{ runbook, runbookSha256, resourceId: 'reporting-db', initiator: 'jest', taskQueuePrefix: prefix }] });
    expect(r.status).toBe('PASSED');

    const text = drctl(prefix, ['history', DEMO_RUNBOOK_FILE, '--dir', dir]);
    expect(text.stderr).toBe('');
    expect(text.status).toBe(1); // ledger-db and payments-db were never restore-tested
    expect(text.stdout).toContain('tier reporting (RTO 4h, RPO 24h): last 1 of 1 run(s)');
    expect(text.stdout).toMatch(new RegExp(`restore-test +${workflowId} +PASSED +\\S+ / 4h met +reporting-db`));
    expect(text.stdout).toContain('tier ledger (RTO 15m, RPO 5m): no runs');
    expect(text.stdout).toContain('not restore-tested within policy (2):');
    expect(text.stdout).toContain('ledger-db (tier ledger): never passed a restore test; window 7d');
    expect(text.stdout).toContain('payments-db (tier payments): never passed a restore test; window 7d');

    const json = drctl(prefix, ['history', '--runbook', 'demo-payments-platform', '--dir', dir, '--json']);
    expect(json.status).toBe(1);
    const h = JSON.parse(json.stdout);
    const reporting = h.tiers.find((t: { name: string }) => t.name === 'reporting');
    expect(reporting.runs).toEqual([expect.objectContaining({
      kind: 'restore-test', runId: workflowId, status: 'PASSED', intact: true, verdict: 'met',
      rta: { actualMs: r.measurements.rta.actualMs, objectiveMs: 4 * 3_600_000, verdict: 'met' },
    })]);
    expect(reporting.runs[0].resources[0]).toMatchObject({ id: 'reporting-db', rpa: r.measurements.rpa, dataRpa: r.measurements.dataRpa });
    const policy = Object.fromEntries(h.restoreTests.map((p: { resource: string; state: string }) => [p.resource, p.state]));
    expect(policy).toEqual({ 'ledger-db': 'never', 'payments-db': 'never', 'reporting-db': 'within' });

    // The same run, read back from the evidence bucket (which also holds other tests' runs).
    const store = drctl(prefix, ['history', DEMO_RUNBOOK_FILE, '--from-store', '--runs', '50', '--json']);
    expect(store.stderr).toBe('');
    expect([0, 1]).toContain(store.status);
    const fromStore = JSON.parse(store.stdout);
    const run = fromStore.tiers.find((t: { name: string }) => t.name === 'reporting').runs.find((x: { runId: string }) => x.runId === workflowId);
    expect(run).toMatchObject({ status: 'PASSED', intact: true, rta: reporting.runs[0].rta });
  } finally {
    await workers.shutdown();
    await temporal.close();
    if (before === undefined) delete process.env.DRCTL_EVIDENCE_DIR;
    else process.env.DRCTL_EVIDENCE_DIR = before;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
