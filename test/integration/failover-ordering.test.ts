/**
 * The plan's DAG, not layer barriers: with two independent branches of different speed, each tier
 * starts only after the tiers it depends on are validated, and the fast branch does not wait.
 */
import { ledgerSlowBranch } from './failover-fixtures';
import { queuePrefix, startTestWorkers, testClient } from '../harness/temporal';
import { startFailover, step } from '../harness/failover';

it('runs each branch at its own pace', async () => {
  const prefix = queuePrefix('order');
  const workers = await startTestWorkers(prefix);
  const temporal = await testClient();
  try {
    const h = await startFailover(temporal.client, prefix, 'drill', { mode: 'drill', change: ledgerSlowBranch });
    const r = await h.result();
    expect(r.status).toBe('COMPLETED');
    const firstStart = (tier: string) => r.steps.filter((s) => s.tier === tier && s.resource).map((s) => Date.parse(s.startedAt!)).sort((a, b) => a - b)[0];
    const validated = (tier: string) => Date.parse(step(r, `${tier}/validate`).endedAt!);
    // Slow branch: ledger (snapshot, share, copy, restore) then payments.
    expect(firstStart('payments')).toBeGreaterThanOrEqual(validated('ledger'));
    // Fast branch: reporting (restore an existing copy) then analytics.
    expect(firstStart('analytics')).toBeGreaterThanOrEqual(validated('reporting'));
    // No barrier: the fast branch's second tier started before the slow branch's first was validated.
    expect(firstStart('analytics')).toBeLessThan(validated('ledger'));
    expect(firstStart('reporting')).toBeLessThan(firstStart('payments'));
    for (const t of r.tiers) expect(t.status).toBe('validated');
  } finally {
    await workers.shutdown();
    await temporal.close();
  }
});
