/**
 * Hand-built sample run records of every kind, with realistic values: the fixtures of the report
 * tests (unit and browser). They cover breached and unmeasured objectives, skipped and failed steps,
 * approvals, and both clocks (a run's start, an incident's declared start).
 */
import { against, measureRestore } from '../runbooks/measure';
import type { StepKind } from '../runbooks/plan';
import type { FailbackResult, FailoverResult, ResourceOutcome, StepResult, TierOutcome } from '../workflows/failover-types';
import type { RestoreTestResult } from '../workflows/restore-test';
import type { RestoreVerificationResult } from '../workflows/restore-verification';
import type { StepRecord } from '../workflows/steps';

const SHA = '9f2c4e7a1b3d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8';
const RUNBOOK = { name: 'payments-platform', sha256: SHA };
const at = (iso: string, plusSeconds: number) => new Date(Date.parse(iso) + plusSeconds * 1000).toISOString();
const ACCOUNTS = {
  production: { account: 'production', accountId: '111111111111', region: 'us-east-1' },
  recovery: { account: 'recovery', accountId: '222222222222', region: 'us-west-2' },
  restoreTest: { account: 'restoreTest', accountId: '333333333333', region: 'us-east-1' },
};

type Where = (typeof ACCOUNTS)[keyof typeof ACCOUNTS];
/** [id, seconds, where, detail, status]: steps that run one after another from `start`. */
type Leg = [string, number, Where, string, StepRecord['status']?];

function sequence(start: string, legs: Leg[]): StepRecord[] {
  let t = start;
  return legs.map(([id, seconds, where, detail, status = 'done']) => {
    if (status === 'skipped' || status === 'pending') return { id, kind: id, ...where, status, detail };
    const step: StepRecord = { id, kind: id, ...where, status, startedAt: t, endedAt: at(t, seconds), detail };
    t = at(t, seconds + 1);
    return step;
  });
}

function restoreTest(o: {
  resource: string; tier: string; objectives: { rto: string; rpo: string }; start: string; legs: Leg[]; status: RestoreTestResult['status'];
  recoveryPoint: string; newestRow: string | null; checks: Array<{ name: string; passed: boolean; value: string | null; detail: string; freshness?: boolean }>; reasons: string[];
}): RestoreTestResult {
  const steps = sequence(o.start, o.legs);
  const step = (id: string) => steps.find((s) => s.id === id);
  const validated = step('validate')?.status === 'done' && o.checks.every((c) => c.passed) ? step('validate')?.endedAt : null;
  const restore = step('restore')!;
  const id = `${o.resource}-rt-7c1e`;
  return {
    kind: 'restore-test', workflowId: `restore-verification/payments-platform/2026-12-03T02-00-00-000Z/${o.resource}`, runKey: '7c1e09ab',
    runbook: RUNBOOK, tier: o.tier, resource: o.resource, initiator: 'schedule:nightly-restore-test', startedAt: o.start, endedAt: steps[steps.length - 1].endedAt!,
    status: o.status, reasons: o.reasons,
    source: { ...ACCOUNTS.production, instance: `${o.resource.replace(/-db$/, '')}-prod` },
    target: { ...ACCOUNTS.restoreTest, subnetGroup: 'isolated-db', securityGroups: ['sg-0a1b2c3d4e5f60718'] },
    recoveryPoint: { arn: `arn:aws:backup:us-east-1:111111111111:recovery-point:${o.resource}-20261203`, createdAt: o.recoveryPoint, kind: 'backup', status: 'COMPLETED', encrypted: true },
    restored: { identifier: id, arn: `arn:aws:rds:us-east-1:333333333333:db:${id}`, startedAt: restore.startedAt!, completedAt: restore.endedAt!, timestampSource: 'backup restore job CreationDate/CompletionDate' },
    created: [`arn:aws:rds:us-east-1:333333333333:db:${id}`],
    validation: o.checks.length ? { passed: o.checks.every((c) => c.passed), checks: o.checks.map((c) => ({ ...c, sql: `select ... -- ${c.name}`, durationMs: 41 })), newestRow: o.newestRow, validatedAt: step('validate')!.endedAt!, endpoint: `${id}.restore-test.internal:5432` } : undefined,
    objectives: o.objectives,
    measurements: measureRestore({ start: o.start, recoveryPoint: o.recoveryPoint, newestRow: o.newestRow, restoreStart: restore.startedAt, restoreDone: restore.endedAt, validated }, o.objectives),
    cleanup: { deleted: [`arn:aws:rds:us-east-1:333333333333:db:${id}`, `arn:aws:backup:us-east-1:333333333333:recovery-point:${id}`], problems: [] },
    leakScan: { leaks: [], scanned: 14 },
    steps,
  };
}

const RT = ACCOUNTS.restoreTest;
const PROD = ACCOUNTS.production;

/** Nightly restore verification of three resources: one passes, one breaches RPO and fails a check, one has no checks. */
export function sampleVerification(): RestoreVerificationResult {
  const start = '2026-12-03T02:00:00.000Z';
  const ledger = restoreTest({
    resource: 'ledger-db', tier: 'ledger', objectives: { rto: '15m', rpo: '5m' }, start: at(start, 1), status: 'PASSED', reasons: [],
    recoveryPoint: '2026-12-03T01:57:12.000Z', newestRow: '2026-12-03T01:57:09.318Z',
    legs: [['select-recovery-point', 2, PROD, 'latest of 31 in ledger-vault'], ['isolation-guard', 3, RT, 'isolated: VPC vpc-0iso'], ['copy', 151, PROD, 'copy job to restore-test-vault'],
      ['restore', 463, RT, 'restored ledger-db-rt-7c1e'], ['validate', 6, RT, 'ok journal not empty; ok freshness'], ['cleanup', 38, RT, 'deleted 2'], ['leak-scan', 4, RT, '0 leak(s) in 14 resources']],
    checks: [{ name: 'journal not empty', passed: true, value: '1843211', detail: '1843211 >= 1' }, { name: 'freshness', passed: true, value: '2026-12-03T01:57:09.318Z', detail: 'newest row committed at 2026-12-03T01:57:09.318Z', freshness: true }],
  });
  const payments = restoreTest({
    resource: 'payments-db', tier: 'payments', objectives: { rto: '30m', rpo: '15m' }, start: at(start, 1), status: 'FAILED',
    reasons: ['check "no orphan transfers" failed: 17 > 0', 'RPO breached by the recovery point\'s age', 'RPO breached by the newest restored row'],
    recoveryPoint: '2026-12-01T23:05:00.000Z', newestRow: '2026-12-01T23:04:58.004Z',
    legs: [['select-recovery-point', 2, PROD, 'random of 14 in payments-vault'], ['isolation-guard', 3, RT, 'isolated: VPC vpc-0iso'], ['copy', 212, PROD, 'copy job to restore-test-vault'],
      ['restore', 688, RT, 'restored payments-db-rt-7c1e'], ['validate', 9, RT, 'ok payments not empty; FAILED no orphan transfers: 17 > 0', 'failed'], ['cleanup', 41, RT, 'deleted 2'], ['leak-scan', 4, RT, '0 leak(s) in 14 resources']],
    checks: [{ name: 'payments not empty', passed: true, value: '920114', detail: '920114 >= 1' }, { name: 'no orphan transfers', passed: false, value: '17', detail: '17 > 0' },
      { name: 'freshness', passed: true, value: '2026-12-01T23:04:58.004Z', detail: 'newest row committed at 2026-12-01T23:04:58.004Z', freshness: true }],
  });
  const reporting = restoreTest({
    resource: 'reporting-db', tier: 'reporting', objectives: { rto: '4h', rpo: '24h' }, start: ledger.endedAt, status: 'FAILED',
    reasons: ['no validation checks declared: the restore is not proven'], recoveryPoint: '2026-12-02T22:00:00.000Z', newestRow: null,
    legs: [['select-recovery-point', 2, PROD, 'latest of 7 in reporting-vault'], ['isolation-guard', 3, RT, 'isolated: VPC vpc-0iso'], ['copy', 305, PROD, 'copy job to restore-test-vault'],
      ['restore', 1296, RT, 'restored reporting-db-rt-7c1e'], ['validate', 0, RT, 'the runbook declares no validation checks', 'skipped'], ['cleanup', 52, RT, 'deleted 2'], ['leak-scan', 4, RT, '0 leak(s) in 14 resources']],
    checks: [],
  });
  return {
    kind: 'restore-verification', workflowId: 'restore-verification/payments-platform/2026-12-03T02-00-00-000Z', runbook: RUNBOOK,
    initiator: 'schedule:nightly-restore-test', startedAt: start, endedAt: at(reporting.endedAt, 1), status: 'FAILED', results: [ledger, payments, reporting], errors: [],
  };
}

/** A failover step (drill, incident or failback) that ran from `startedAt` for `seconds`. */
function fstep(id: string, kind: StepKind, startedAt: string | undefined, seconds: number, where: Where, extra: Partial<StepResult> = {}): StepResult {
  const tier = id.includes('/') && !/^(approve|traffic|leak-scan)\//.test(id) ? id.split('/')[0] : undefined;
  const resource = id.split('/').length === 3 ? id.split('/')[1] : undefined;
  const effect = kind === 'approval' ? 'gate' : ['preflight', 'validate', 'leak-scan', 'select-recovery-point'].includes(kind) ? 'read' : 'write';
  const times = startedAt ? { startedAt, endedAt: at(startedAt, seconds) } : {};
  return { id, kind, tier, resource, ...where, effect, dependsOn: [], status: 'done', attempts: 1, ...times, ...extra };
}

function outcome(id: string, tier: string, tStart: string, rpo: string, o: Omit<ResourceOutcome, 'id' | 'tier' | 'rpa' | 'dataRpa'>): ResourceOutcome {
  const rpa = o.recoveryPointTime ? Date.parse(tStart) - Date.parse(o.recoveryPointTime) : null;
  const dataRpa = o.newestRow ? Date.parse(tStart) - Date.parse(o.newestRow) : null;
  return { id, tier, ...o, rpa: against(rpa, rpo), dataRpa: against(dataRpa, rpo) };
}

function tierOutcome(name: string, rto: string, rpo: string, tStart: string, validatedAt: string | undefined, status: TierOutcome['status'], resources: ResourceOutcome[], checks: TierOutcome['checks']): TierOutcome {
  return { name, objectives: { rto, rpo }, status, startedAt: tStart, validatedAt, rta: against(validatedAt ? Date.parse(validatedAt) - Date.parse(tStart) : null, rto), resources, checks };
}

const check = (resource: string, name: string, value: string, freshness = false) => ({ resource, name, sql: `select ... -- ${name}`, passed: true, value, detail: freshness ? `newest row committed at ${value}` : `${value} >= 1`, durationMs: 37, freshness });
const REC = ACCOUNTS.recovery;

/** A live incident failover: two approvers, ledger met, payments breaches its RTO, reporting's validation skipped by an operator. */
export function sampleIncident(): FailoverResult {
  const tStart = '2026-12-03T01:48:00.000Z';
  const steps = [
    fstep('preflight', 'preflight', '2026-12-03T01:50:13.000Z', 45, PROD, { detail: '4 roles assumed; replicas, snapshots, keys, zones found' }),
    fstep('approve/incident', 'approval', '2026-12-03T01:50:59.000Z', 162, PROD, { detail: '2 of 2 approvals' }),
    fstep('ledger/ledger-db/promote-replica', 'promote-replica', '2026-12-03T01:53:42.000Z', 328, REC, { detail: 'promoted ledger-dr (replica lag 2s)' }),
    fstep('ledger/validate', 'validate', '2026-12-03T01:59:11.000Z', 51, REC, { detail: '2/2 checks passed' }),
    fstep('payments/payments-db/restore-point-in-time', 'restore-point-in-time', '2026-12-03T02:00:03.000Z', 997, REC, { attempts: 2, detail: 'restored payments-dr-1203 to 2026-12-03T01:43:10Z' }),
    fstep('payments/validate', 'validate', '2026-12-03T02:16:41.000Z', 144, REC, { detail: '2/2 checks passed' }),
    fstep('reporting/reporting-db/select-recovery-point', 'select-recovery-point', '2026-12-03T01:53:42.000Z', 8, REC, { detail: 'snapshot rds:reporting-prod-2026-12-02-23-10' }),
    fstep('reporting/reporting-db/restore', 'restore', '2026-12-03T01:53:51.000Z', 2241, REC, { detail: 'restored reporting-dr-1203' }),
    fstep('reporting/validate', 'validate', undefined, 0, REC, { status: 'skipped', skipped: { by: 'r.alvarez', reason: 'warehouse checks deferred to business hours', at: '2026-12-03T02:31:40.000Z' } }),
    fstep('traffic/payments-api', 'traffic', '2026-12-03T02:19:06.000Z', 42, PROD, { detail: 'api.payments.example.com → payments-dr.us-west-2 (change C0412AB)' }),
  ];
  const live = (id: string, ident: string) => ({ resource: id, ...REC, identifier: ident, arn: `arn:aws:rds:us-west-2:222222222222:db:${ident}` });
  return {
    kind: 'incident', workflowId: 'incident/payments-platform/INC-20261203-0148', runKey: 'a41f22c9', runbook: RUNBOOK, initiator: 'j.okafor',
    incident: { id: 'INC-20261203-0148', declaredAt: tStart }, startedAt: tStart, runStartedAt: '2026-12-03T01:50:12.000Z', endedAt: '2026-12-03T02:31:41.000Z',
    status: 'COMPLETED', objectivesMet: false,
    reasons: ['tier payments: RTO breached (31m5s of 30m)', 'tier reporting: not validated (validation skipped by r.alvarez)'],
    preflight: { problems: [] },
    approvals: [{ gate: 'incident', approver: 'm.chen', at: '2026-12-03T01:52:30.000Z', comment: 'us-east-1 RDS outage confirmed by AWS Health' }, { gate: 'incident', approver: 'r.alvarez', at: '2026-12-03T01:53:41.000Z' }],
    tiers: [
      tierOutcome('ledger', '15m', '5m', tStart, '2026-12-03T02:00:02.000Z', 'validated', [
        outcome('ledger-db', 'ledger', tStart, '5m', { action: 'promote-replica', ...REC, identifier: 'ledger-dr', recoveryPointTime: '2026-12-03T01:47:58.000Z', recoveryPointSource: 'replica-lag', newestRow: '2026-12-03T01:47:57.412Z' }),
      ], [check('ledger-db', 'journal not empty', '1843290'), check('ledger-db', 'freshness', '2026-12-03T01:47:57.412Z', true)]),
      tierOutcome('payments', '30m', '15m', tStart, '2026-12-03T02:19:05.000Z', 'validated', [
        outcome('payments-db', 'payments', tStart, '15m', { action: 'restore-point-in-time', ...REC, identifier: 'payments-dr-1203', recoveryPointTime: '2026-12-03T01:43:10.000Z', recoveryPointSource: 'pitr-restore-time', newestRow: '2026-12-03T01:43:09.871Z' }),
      ], [check('payments-db', 'payments not empty', '920377'), check('payments-db', 'freshness', '2026-12-03T01:43:09.871Z', true)]),
      tierOutcome('reporting', '4h', '24h', tStart, undefined, 'skipped', [
        outcome('reporting-db', 'reporting', tStart, '24h', { action: 'restore-snapshot', ...REC, identifier: 'reporting-dr-1203', recoveryPointTime: '2026-12-02T23:10:00.000Z', recoveryPointSource: 'snapshot-time' }),
      ], []),
    ],
    traffic: [{ name: 'payments-api', record: 'api.payments.example.com', zone: 'Z0PAYMENTS', status: 'done', before: 'payments.us-east-1.example.com', after: 'payments-dr.us-west-2.example.com', changeId: 'C0412AB' }],
    steps,
    live: [live('ledger-db', 'ledger-dr'), live('payments-db', 'payments-dr-1203'), live('reporting-db', 'reporting-dr-1203')],
  };
}

/** A quarterly drill of the ledger and payments tiers in the recovery account, approved by one person, cleaned up. */
export function sampleDrill(): FailoverResult {
  const tStart = '2026-11-14T09:00:00.000Z';
  const t = (s: number) => at(tStart, s);
  const steps = [
    fstep('preflight', 'preflight', t(1), 38, PROD, { detail: '4 roles assumed' }),
    fstep('approve/drill', 'approval', t(40), 95, PROD, { detail: '1 of 1 approvals' }),
    fstep('ledger/ledger-db/select-recovery-point', 'select-recovery-point', t(136), 4, PROD, { detail: 'latest automated snapshot' }),
    fstep('ledger/ledger-db/share', 'share', t(141), 12, PROD),
    fstep('ledger/ledger-db/copy', 'copy', t(154), 184, REC),
    fstep('ledger/ledger-db/restore', 'restore', t(339), 402, REC),
    fstep('ledger/validate', 'validate', t(742), 22, REC, { detail: '2/2 checks passed' }),
    fstep('payments/payments-db/select-recovery-point', 'select-recovery-point', t(765), 3, PROD, { detail: 'latest automated snapshot' }),
    fstep('payments/payments-db/share', 'share', t(769), 11, PROD),
    fstep('payments/payments-db/copy', 'copy', t(781), 201, REC),
    fstep('payments/payments-db/restore', 'restore', t(983), 488, REC),
    fstep('payments/validate', 'validate', t(1472), 17, REC, { detail: '1/1 checks passed' }),
    fstep('traffic/payments-api', 'traffic', t(1490), 6, REC, { effect: 'read', detail: 'api.payments.example.com could move to payments-dr (not changed: drill)' }),
    fstep('cleanup', 'cleanup', t(1497), 143, REC, { detail: 'deleted 6' }),
    fstep('leak-scan/recovery', 'leak-scan', t(1641), 5, REC, { detail: '0 leak(s) in 22 resources' }),
  ];
  return {
    kind: 'drill', workflowId: 'drill/payments-platform/2026-11-14T09-00-00-000Z', runKey: '5d0e7b13', runbook: RUNBOOK, initiator: 's.patel',
    startedAt: tStart, runStartedAt: tStart, endedAt: t(1647), status: 'COMPLETED', objectivesMet: true, reasons: [], preflight: { problems: [] },
    approvals: [{ gate: 'drill', approver: 'k.nakamura', at: t(135), comment: 'Q4 drill window CHG-88213' }],
    tiers: [
      tierOutcome('ledger', '15m', '5m', tStart, t(764), 'validated', [
        outcome('ledger-db', 'ledger', tStart, '5m', { action: 'restore-snapshot', ...REC, identifier: 'ledger-drill-5d0e', recoveryPointTime: t(-160), recoveryPointSource: 'snapshot-time', newestRow: t(-161) }),
      ], [check('ledger-db', 'journal not empty', '1799012'), check('ledger-db', 'freshness', t(-161), true)]),
      tierOutcome('payments', '30m', '15m', tStart, t(1489), 'validated', [
        outcome('payments-db', 'payments', tStart, '15m', { action: 'restore-snapshot', ...REC, identifier: 'payments-drill-5d0e', recoveryPointTime: t(-420), recoveryPointSource: 'snapshot-time' }),
      ], [check('payments-db', 'payments not empty', '901233')]),
    ],
    traffic: [{ name: 'payments-api', record: 'api.payments.example.com', zone: 'Z0PAYMENTS', status: 'done', before: 'payments.us-east-1.example.com', after: 'payments-dr.us-west-2.example.com' }],
    steps, cleanup: { deleted: ['ledger-drill-5d0e', 'payments-drill-5d0e', 'snap-l', 'snap-p', 'copy-l', 'copy-p'], problems: [] }, leakScan: { leaks: [], scanned: 22 }, live: [],
  };
}

/** The failback of the sample incident's ledger tier to the primary region. */
export function sampleFailback(): FailbackResult {
  const tStart = '2026-12-04T22:00:00.000Z';
  const t = (s: number) => at(tStart, s);
  return {
    kind: 'failback', failoverWorkflowId: 'incident/payments-platform/INC-20261203-0148', workflowId: 'failback/payments-platform/INC-20261203-0148', runKey: 'b9013e47',
    runbook: RUNBOOK, initiator: 'j.okafor', startedAt: tStart, runStartedAt: tStart, endedAt: t(800), status: 'COMPLETED', objectivesMet: true, reasons: [], preflight: { problems: [] },
    approvals: [{ gate: 'failback', approver: 'm.chen', at: t(60) }],
    tiers: [tierOutcome('ledger', '15m', '5m', tStart, t(730), 'validated', [
      outcome('ledger-db', 'ledger', tStart, '5m', { action: 'promote-replica', ...PROD, identifier: 'ledger-prod', recoveryPointTime: t(-1), recoveryPointSource: 'replica-lag', newestRow: t(-2) }),
    ], [check('ledger-db', 'journal not empty', '1851002')])],
    traffic: [],
    steps: [
      fstep('preflight', 'preflight', t(1), 30, PROD),
      fstep('approve/failback', 'approval', t(31), 29, PROD),
      fstep('ledger/ledger-db/promote-replica', 'promote-replica', t(61), 600, PROD, { detail: 'replication lag 1s ≤ 5s; promoted ledger-prod' }),
      fstep('ledger/validate', 'validate', t(662), 68, PROD),
    ],
    live: [],
  };
}
