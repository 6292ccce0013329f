import { join } from 'node:path';
import { compilePlan, loadRunbookFile, PlanError, safetyProblems, waves, type ExecutionPlan } from '../../runbooks';

const demo = loadRunbookFile(join(__dirname, '..', '..', 'runbooks', 'examples', 'sandbox-demo.yaml')).runbook;
const bank = loadRunbookFile(join(__dirname, '..', '..', 'runbooks', 'examples', 'payments-platform.yaml')).runbook;

/** True when `later` transitively depends on `earlier`. */
function after(plan: ExecutionPlan, later: string, earlier: string): boolean {
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const seen = new Set<string>();
  const walk = (id: string): boolean => byId.get(id)!.dependsOn.some((d) => d === earlier || (!seen.has(d) && (seen.add(d), walk(d))));
  return walk(later);
}

describe('restore-test plan', () => {
  const plan = compilePlan(demo, 'restore-test');

  it('writes only to the isolated account', () => {
    const writes = plan.steps.filter((s) => s.effect === 'write');
    expect(writes.length).toBeGreaterThan(0);
    expect(new Set(writes.map((s) => s.accountId))).toEqual(new Set(['333333333333']));
  });

  it('guards isolation before restoring, validates after, and always ends in cleanup and a leak scan', () => {
    for (const id of ['ledger-db', 'payments-db', 'reporting-db']) {
      expect(after(plan, `${id}/restore`, `${id}/isolation-guard`)).toBe(true);
      expect(after(plan, `${id}/copy`, `${id}/isolation-guard`)).toBe(true);
      expect(after(plan, `${id}/validate`, `${id}/restore`)).toBe(true);
      expect(after(plan, 'leak-scan/restoreTest', `${id}/cleanup`)).toBe(true);
    }
  });

  it('runs resources side by side, not one after another', () => {
    expect(after(plan, 'payments-db/restore', 'ledger-db/cleanup')).toBe(false);
    expect(waves(plan)[1].map((s) => s.id)).toEqual(['ledger-db/select-recovery-point', 'payments-db/select-recovery-point', 'reporting-db/select-recovery-point']);
  });

  it('uses a Backup copy job for vault sources and a share + copy for snapshots', () => {
    const kinds = (res: string) => plan.steps.filter((s) => s.resource === res).map((s) => s.kind);
    expect(kinds('ledger-db')).toEqual(['select-recovery-point', 'isolation-guard', 'copy', 'restore', 'validate', 'cleanup']);
    expect(kinds('payments-db')).toEqual(['select-recovery-point', 'isolation-guard', 'share', 'copy', 'restore', 'validate', 'cleanup']);
  });

  it('narrows to a tier or a resource, and names unknown ones', () => {
    expect(new Set(compilePlan(demo, 'restore-test', { tiers: ['ledger'] }).steps.map((s) => s.resource).filter(Boolean))).toEqual(new Set(['ledger-db']));
    expect(new Set(compilePlan(demo, 'restore-test', { resources: ['reporting-db'] }).steps.map((s) => s.resource).filter(Boolean))).toEqual(new Set(['reporting-db']));
    expect(() => compilePlan(demo, 'restore-test', { tiers: ['ledgr'] })).toThrow(new PlanError(['unknown tier "ledgr"']));
  });
});

describe('drill plan', () => {
  const plan = compilePlan(demo, 'drill');

  it('never writes to production and never promotes the live replica', () => {
    expect(plan.steps.filter((s) => s.effect === 'write' && s.accountId === '111111111111')).toEqual([]);
    expect(plan.steps.some((s) => s.kind === 'promote-replica' || s.kind === 'restore-point-in-time')).toBe(false);
    expect(plan.steps.find((s) => s.id === 'traffic/payments-api')?.effect).toBe('read');
  });

  it('follows the tier DAG, not layer barriers', () => {
    expect(after(plan, 'payments/payments-db/snapshot', 'ledger/validate')).toBe(true);
    expect(after(plan, 'reporting/reporting-db/restore', 'ledger/validate')).toBe(false);
    expect(after(plan, 'traffic/payments-api', 'payments/validate')).toBe(true);
    expect(after(plan, 'leak-scan/recovery', 'cleanup')).toBe(true);
  });

  it('follows multi-parent dependencies of the bank example', () => {
    const p = compilePlan(bank, 'drill');
    expect(after(p, 'reporting/reporting-db/select-recovery-point', 'ledger/validate')).toBe(true);
    expect(after(p, 'reporting/reporting-db/select-recovery-point', 'erp/validate')).toBe(true);
    expect(after(p, 'archives/validate', 'ledger/validate')).toBe(false);
  });
});

describe('incident plan', () => {
  const plan = compilePlan(bank, 'incident');

  it('gates every change behind the incident approval, and gated tiers behind their own gate', () => {
    const gate = plan.steps.find((s) => s.id === 'approve/incident')!;
    expect(gate.gate).toEqual({ policy: 'incident', approvers: 2, timeoutMs: 30 * 60_000 });
    for (const s of plan.steps.filter((x) => x.effect === 'write')) expect(after(plan, s.id, 'approve/incident')).toBe(true);
    expect(after(plan, 'payments/payments-db/restore-point-in-time', 'payments/approve')).toBe(true);
  });

  it('chooses the action each resource declares', () => {
    const kinds = plan.steps.filter((s) => s.tier === 'payments' && s.resource).map((s) => `${s.resource}:${s.kind}`);
    expect(kinds).toEqual(['payments-db:restore-point-in-time', 'cards-cluster:cluster-failover']);
    expect(plan.steps.find((s) => s.id === 'ledger/ledger-db/promote-replica')).toMatchObject({ accountId: '111111111111', region: 'eu-central-1' });
    expect(plan.steps.find((s) => s.id === 'traffic/payments-api')?.effect).toBe('write');
  });
});

describe('safety rule', () => {
  it('refuses a non-incident plan with a write to production', () => {
    const plan = compilePlan(demo, 'drill');
    const tampered: ExecutionPlan = { ...plan, steps: plan.steps.map((s) => (s.kind === 'restore' ? { ...s, account: 'production', accountId: '111111111111' } : s)) };
    expect(safetyProblems(demo, tampered)[0]).toMatch(/^drill step .*restore would write to the production account production \(111111111111\)$/);
  });
});
