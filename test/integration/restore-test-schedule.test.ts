/** A schedule created through the CLI triggers a restore verification that completes. */
import type { restoreVerification } from '../../workflows';
import { drctl } from '../harness/cli';
import { eventually, queuePrefix, startTestWorkers, testClient } from '../harness/temporal';

it('creates, lists, pauses, resumes and triggers a schedule; the triggered run passes', async () => {
  const prefix = queuePrefix('schedule');
  const id = `${prefix}-nightly`;
  const workers = await startTestWorkers(prefix);
  const temporal = await testClient();
  try {
    const created = drctl(prefix, ['schedule', 'create', 'runbooks/examples/sandbox-demo.yaml', '--id', id, '--cron', '0 2 * * *', '--timezone', 'Europe/London', '--resource', 'reporting-db']);
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe(`schedule ${id} created (cron "0 2 * * *" Europe/London, overlap skip, catch-up 1h)\n`);
    expect(created.status).toBe(0);
    const desc = await temporal.client.schedule.getHandle(id).describe();
    expect(desc.policies.overlap).toBe('SKIP');
    expect(desc.spec.timezone).toBe('Europe/London');

    expect(drctl(prefix, ['schedule', 'pause', id]).stdout).toBe(`schedule ${id} paused\n`);
    expect((await temporal.client.schedule.getHandle(id).describe()).state.paused).toBe(true);
    expect(drctl(prefix, ['schedule', 'resume', id]).stdout).toBe(`schedule ${id} resumed\n`);
    expect(drctl(prefix, ['schedule', 'trigger', id]).status).toBe(0);

    const workflowId = await eventually(async () => (await temporal.client.schedule.getHandle(id).describe()).info.recentActions[0]?.action.workflow.workflowId, 30_000, 'scheduled run');
    const result = await temporal.client.workflow.getHandle<typeof restoreVerification>(workflowId).result();
    expect(result.status).toBe('PASSED');
    expect(result.initiator).toBe(`schedule:${id}`);
    expect(result.results.map((r) => r.resource)).toEqual(['reporting-db']);

    const listed = drctl(prefix, ['schedule', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\s+active\\s+\\S+\\s+\\S+\\s+${workflowId.replace(/[/.]/g, '\\$&')}$`, 'm'));
  } finally {
    drctl(prefix, ['schedule', 'delete', id]);
    await workers.shutdown();
    await temporal.close();
  }
});
