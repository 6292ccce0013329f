import { against } from '../../runbooks/measure';
import { buildReport, worstOf } from '../../reports/model';
import { sampleDrill, sampleFailback, sampleIncident, sampleVerification } from '../../reports/samples';

describe('report model', () => {
  it('groups a restore verification by tier, with each resource\'s own RTA and both RPAs', () => {
    const m = buildReport(sampleVerification());
    expect(m.kind).toBe('restore-test');
    expect(m.title).toBe('Isolated restore test');
    expect(m.tiers.map((t) => [t.name, t.status, t.resources.map((r) => r.id)])).toEqual([
      ['ledger', 'PASSED', ['ledger-db']], ['payments', 'FAILED', ['payments-db']], ['reporting', 'FAILED', ['reporting-db']],
    ]);
    const [ledger, payments, reporting] = m.tiers.map((t) => t.resources[0]);
    expect(ledger.rta).toEqual({ actualMs: 629_000, objectiveMs: 900_000, verdict: 'met' });
    expect(ledger.clockStart).toBe('2026-12-03T02:00:01.000Z');
    expect(ledger.checks).toEqual({ passed: 2, total: 2 });
    expect(ledger.account).toBe('restoreTest');
    expect(payments.rpa.verdict).toBe('breached');
    expect(payments.dataRpa.verdict).toBe('breached');
    expect(payments.rta?.verdict).toBe('unmeasured');
    expect(reporting.dataRpa.verdict).toBe('unmeasured');
    expect(reporting.recoveryPoint).toEqual({ at: '2026-12-02T22:00:00.000Z', source: 'backup' });
    expect(m.verdict).toEqual({ passed: false, objectives: { met: 4, breached: 2, unmeasured: 3 } });
    expect(m.approvals).toEqual([]);
  });

  it('prefixes restore-test steps with their resource and keeps tier, status and account', () => {
    const m = buildReport(sampleVerification());
    expect(m.steps).toHaveLength(21);
    expect(m.steps.find((s) => s.id === 'reporting-db/validate')).toMatchObject({ tier: 'reporting', resource: 'reporting-db', status: 'skipped', account: 'restoreTest' });
    expect(m.steps.find((s) => s.id === 'payments-db/copy')).toMatchObject({ account: 'production', accountId: '111111111111', region: 'us-east-1' });
    expect(m.cleanup).toEqual({ deleted: 6, scanned: 42, problems: [], leaks: [] });
    expect(m.reasons).toContain('payments-db: check "no orphan transfers" failed: 17 > 0');
  });

  it('reports a single restore test with its own status and a verification error as a finding', () => {
    const one = { ...sampleVerification().results[0], status: 'REFUSED' as const };
    expect(buildReport(one)).toMatchObject({ kind: 'restore-test', status: 'REFUSED', workflowId: one.workflowId, verdict: { passed: false } });
    const v = { ...sampleVerification(), errors: [{ resource: 'erp-db', error: 'workflow terminated' }] };
    expect(buildReport(v).reasons).toContain('erp-db: no result: workflow terminated');
  });

  it('takes T_start, approvals and tier RTAs of an incident failover', () => {
    const m = buildReport(sampleIncident());
    expect(m).toMatchObject({ kind: 'incident', title: 'Incident failover', startedAt: '2026-12-03T01:48:00.000Z', initiator: 'j.okafor', status: 'COMPLETED' });
    expect(m.incident).toEqual({ id: 'INC-20261203-0148', declaredAt: '2026-12-03T01:48:00.000Z' });
    expect(m.approvals.map((a) => `${a.approver}@${a.gate}`)).toEqual(['m.chen@incident', 'r.alvarez@incident']);
    expect(m.tiers.map((t) => [t.name, t.rta.verdict, t.rta.actualMs])).toEqual([['ledger', 'met', 722_000], ['payments', 'breached', 1_865_000], ['reporting', 'unmeasured', null]]);
    expect(m.tiers[0].resources[0]).toMatchObject({ id: 'ledger-db', account: 'recovery', recoveryPoint: { at: '2026-12-03T01:47:58.000Z', source: 'replica-lag' }, checks: { passed: 2, total: 2 } });
    expect(m.tiers[0].resources[0].rta).toBeUndefined();
    expect(m.steps.find((s) => s.id === 'reporting/validate')?.detail).toBe('skipped by r.alvarez at 2026-12-03T02:31:40.000Z: warehouse checks deferred to business hours');
    expect(m.verdict).toEqual({ passed: false, objectives: { met: 6, breached: 1, unmeasured: 2 } });
    expect(m.cleanup).toBeUndefined();
  });

  it('passes a drill that met every measured objective and names the failover a failback undoes', () => {
    const drill = buildReport(sampleDrill());
    expect(drill).toMatchObject({ kind: 'drill', title: 'DR drill', verdict: { passed: true, objectives: { met: 5, breached: 0, unmeasured: 1 } } });
    expect(drill.cleanup).toEqual({ deleted: 6, problems: [], leaks: [], scanned: 22 });
    const back = buildReport(sampleFailback());
    expect(back).toMatchObject({ kind: 'failback', title: 'Failback', failoverWorkflowId: 'incident/payments-platform/INC-20261203-0148', verdict: { passed: true } });
  });

  it('a COMPLETED failover that breached an objective does not pass', () => {
    const r = sampleDrill();
    r.tiers[0].rta = against(1_000_000, '15m');
    expect(buildReport(r).verdict.passed).toBe(false);
  });

  it('worstOf: a breach wins, then any gap makes the tier unmeasured', () => {
    expect(worstOf([against(60_000, '5m'), against(400_000, '5m')], '5m')).toEqual({ actualMs: 400_000, objectiveMs: 300_000, verdict: 'breached' });
    expect(worstOf([against(60_000, '5m'), against(null, '5m')], '5m')).toEqual({ actualMs: null, objectiveMs: 300_000, verdict: 'unmeasured' });
    expect(worstOf([against(60_000, '5m'), against(90_000, '5m')], '5m')).toEqual({ actualMs: 90_000, objectiveMs: 300_000, verdict: 'met' });
    expect(worstOf([], '5m').verdict).toBe('unmeasured');
  });
});
