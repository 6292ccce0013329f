/** Text renderings of run records for the terminal. */
import { formatDuration, type Measured } from '../runbooks';
import type { RestoreTestResult } from '../workflows/restore-test';
import type { RestoreVerificationResult } from '../workflows/restore-verification';
import type { FailbackResult, FailoverResult } from '../workflows/failover-types';

const fmt = (m: Measured) => (m.actualMs === null ? 'n/a' : `${formatDuration(m.actualMs)} / ${formatDuration(m.objectiveMs)} ${m.verdict === 'met' ? 'met' : 'BREACHED'}`);

export function renderVerification(r: RestoreVerificationResult): string {
  const rows = [['resource', 'tier', 'status', 'recovery point', 'restore', 'RTA / RTO', 'RPA / RPO', 'data RPA / RPO', 'checks', 'cleanup']];
  for (const t of r.results) {
    const checks = t.validation ? `${t.validation.checks.filter((c) => c.passed).length}/${t.validation.checks.length}` : '-';
    rows.push([
      t.resource, t.tier, t.status, t.recoveryPoint?.createdAt ?? 'none',
      t.measurements.restoreDurationMs === null ? 'n/a' : formatDuration(t.measurements.restoreDurationMs),
      fmt(t.measurements.rta), fmt(t.measurements.rpa), fmt(t.measurements.dataRpa), checks,
      t.leakScan.leaks.length ? `LEAK ${t.leakScan.leaks.length}` : `ok (${t.cleanup.deleted.length} deleted)`,
    ]);
  }
  const lines = [`restore verification ${r.workflowId}: ${r.status}`, `runbook ${r.runbook.name} sha256:${r.runbook.sha256.slice(0, 12)} started by ${r.initiator} at ${r.startedAt}`, '', ...table(rows)];
  for (const t of r.results) for (const reason of t.reasons) lines.push(`  ${t.resource}: ${reason}`);
  for (const e of r.errors) lines.push(`  ${e.resource}: ERROR ${e.error}`);
  return `${lines.join('\n')}\n`;
}

export function renderRestoreTest(t: RestoreTestResult): string {
  return renderVerification({ kind: 'restore-verification', workflowId: t.workflowId, runbook: t.runbook, initiator: t.initiator, startedAt: t.startedAt, endedAt: t.endedAt, status: t.status === 'PASSED' ? 'PASSED' : 'FAILED', results: [t], errors: [] });
}

export function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd());
}

/** A drill, incident failover or failback: the per-tier RTA/RPA table against objectives. */
export function renderFailover(r: FailoverResult | FailbackResult): string {
  const rows = [['tier', 'status', 'RTA / RTO', 'resource', 'action', 'recovered in', 'RPA / RPO (recovery point)', 'data RPA / RPO']];
  for (const t of r.tiers) {
    t.resources.forEach((res, i) => rows.push([
      i === 0 ? t.name : '', i === 0 ? t.status : '', i === 0 ? fmt(t.rta) : '', res.id, res.action,
      res.accountId ? `${res.accountId} ${res.region}` : '-', `${fmt(res.rpa)}${res.recoveryPointSource ? ` (${res.recoveryPointSource})` : ''}`, fmt(res.dataRpa),
    ]));
  }
  const kind = r.kind === 'incident' ? `incident failover${'incident' in r && r.incident ? ` ${r.incident.id}` : ''}` : r.kind;
  const lines = [
    `${kind} ${r.workflowId}: ${r.status}${r.objectivesMet ? ', every objective met' : ', objectives NOT all met'}`,
    `runbook ${r.runbook.name} sha256:${r.runbook.sha256.slice(0, 12)} started by ${r.initiator}; T_start ${r.startedAt}`,
    ...r.approvals.map((a) => `approved ${a.gate} by ${a.approver} at ${a.at}${a.comment ? ` (${a.comment})` : ''}`),
    '', ...table(rows), '',
    ...r.traffic.map((t) => `traffic ${t.name}: ${t.record} ${r.kind === 'drill' ? `is ${t.before}; would point to ${t.after ?? '?'} (unchanged in a drill)` : `${t.before} -> ${t.after}`}`),
  ];
  if (r.cleanup) lines.push(`cleanup: deleted ${r.cleanup.deleted.length}${r.cleanup.problems.length ? `, problems: ${r.cleanup.problems.join('; ')}` : ''}; leak scan: ${r.leakScan?.leaks.length ?? '?'} leak(s) in ${r.leakScan?.scanned ?? '?'} resources`);
  if (r.live.length) lines.push(`live now: ${r.live.map((l) => `${l.resource} = ${l.arn}`).join(', ')}`);
  for (const reason of r.reasons) lines.push(`  ${reason}`);
  return `${lines.join('\n')}\n`;
}
