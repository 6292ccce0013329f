/** A failure in one tier stops its dependants and not unrelated tiers; a skipped step is recorded. */
import { eventually, queuePrefix, startTestWorkers, testClient } from '../harness/temporal';
import { progress, startFailover, step, stepReaches } from '../harness/failover';

it('blocks only the failed tier\'s dependants, and records a skip with who and why', async () => {
  const prefix = queuePrefix('isolate');
  const workers = await startTestWorkers(prefix);
  const temporal = await testClient();
  try {
    const h = await startFailover(temporal.client, prefix, 'drill', {
      mode: 'drill',
      change: (rb) => { rb.tiers[0].resources[0].validate![1] = { name: 'books balance', sql: 'select coalesce(sum(amount), 0) from journal_entries', expect: '= 1' }; },
    });
    await stepReaches(h, 'ledger/validate', 'failed');
    // The unrelated branch goes on to validation while the failed one waits.
    const p = await eventually(async () => {
      const x = await progress(h);
      return step(x, 'reporting/validate').status === 'done' ? x : undefined;
    }, 90_000, 'reporting validated');
    expect(step(p, 'payments/payments-db/snapshot').status).toBe('blocked');
    expect(step(p, 'traffic/payments-api').status).toBe('blocked');
    expect(p.status).toBe('waiting-operator');
    await expect(h.executeUpdate('control', { args: [{ action: 'skip', by: 'olga', step: 'ledger/validate' }] })).rejects.toThrow();
    await h.executeUpdate('control', { args: [{ action: 'skip', by: 'olga', step: 'ledger/validate', reason: 'balance check known-bad in drills, INC-99' }] });
    const r = await h.result();
    expect(r.status).toBe('COMPLETED');
    expect(step(r, 'ledger/validate')).toMatchObject({ status: 'skipped', skipped: { by: 'olga', reason: 'balance check known-bad in drills, INC-99' } });
    expect(r.tiers.map((t) => [t.name, t.status])).toEqual([['ledger', 'skipped'], ['payments', 'validated'], ['reporting', 'validated']]);
    expect(r.tiers[0].rta.verdict).toBe('unmeasured');
    expect(r.objectivesMet).toBe(false);
    expect(r.leakScan!.leaks).toEqual([]);
  } finally {
    await workers.shutdown();
    await temporal.close();
  }
});
