/** Text renderings of run records for the terminal. */
import { formatDuration, type Measured } from '../runbooks';
import type { RestoreTestResult } from '../workflows/restore-test';
import type { RestoreVerificationResult } from '../workflows/restore-verification';

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
