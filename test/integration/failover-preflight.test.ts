/** Preflight reports every problem at once, from the CLI and as the first step of a run, before any change. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Runbook } from '../../runbooks';
import { drctl } from '../harness/cli';
import { sandboxState, uniqueName } from '../harness/sandbox';
import { demoRunbook, queuePrefix, startTestWorkers, testClient } from '../harness/temporal';
import { startFailover } from '../harness/failover';

const broken = (rb: Runbook) => {
  rb.tiers[0].resources[0].failover = { promoteReplica: { instance: 'ledger-gone' } };
  rb.recovery = { ...rb.recovery!, subnetGroup: 'no-such-group' };
  rb.traffic![0].route53.zone = 'nope.example.internal';
};

it('lists every missing piece from `drctl plan --check`', () => {
  const file = join(sandboxState().dir, `${uniqueName('broken')}.yaml`);
  writeFileSync(file, stringify(demoRunbook(broken).runbook));
  const r = drctl(queuePrefix('pf'), ['plan', file, '--mode', 'incident', '--check']);
  expect(r.stderr).toBe('');
  expect(r.stdout.split('\n')).toEqual(expect.arrayContaining([
    'preflight: 3 problem(s)',
    '  subnet group no-such-group not found in recovery (222222222222) us-west-2',
    '  instance ledger-gone not found in production (111111111111) us-west-2',
    expect.stringMatching(/^ {2}hosted-zone nope\.example\.internal in production \(111111111111\) us-east-1: hosted zone nope\.example\.internal not found/),
  ]));
  expect(r.status).toBe(1);
  expect(drctl(queuePrefix('pf'), ['plan', 'runbooks/examples/sandbox-demo.yaml', '--mode', 'drill', '--check']).stdout).toBe('preflight: ok, every role assumed and every resource found\n');
});

it('stops a drill at preflight, before anything is created', async () => {
  const prefix = queuePrefix('preflight');
  const workers = await startTestWorkers(prefix);
  const temporal = await testClient();
  try {
    const r = await (await startFailover(temporal.client, prefix, 'drill', { mode: 'drill', change: broken })).result();
    expect(r.status).toBe('ABORTED');
    expect(r.preflight.problems).toHaveLength(3);
    expect(r.steps.filter((s) => s.attempts > 0).map((s) => s.id).sort()).toEqual(['cleanup', 'leak-scan/recovery', 'preflight']);
    expect(r.cleanup!.deleted).toEqual([]);
  } finally {
    await workers.shutdown();
    await temporal.close();
  }
});
