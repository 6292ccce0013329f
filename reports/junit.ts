/**
 * JUnit XML for CI systems and dashboards: one <testsuite> per tier with one <testcase> per resource
 * and objective (`ledger-db RTO`, `ledger-db RPO (recovery point)`, `ledger-db RPO (data)`), a
 * <failure> on a breach and <skipped> when unmeasured; plus a `run` suite for the run's own status
 * and its cleanup.
 */
import { formatDuration, type Measured } from '../runbooks';
import { escapeXml as esc, fmtTime } from './format';
import type { ReportModel, TierRow } from './model';

interface Case {
  name: string;
  classname: string;
  seconds: number;
  failure?: { type: string; message: string };
  skipped?: string;
}

const secs = (ms: number | null) => (ms === null ? 0 : ms / 1000);

function objectiveCase(name: string, classname: string, what: string, m: Measured, objective: string, context: string, missing: string): Case {
  const base = { name, classname, seconds: what === 'RTA' ? secs(m.actualMs) : 0 };
  if (m.verdict === 'unmeasured') return { ...base, skipped: `${what} not measured: ${missing}` };
  const text = `${what} ${formatDuration(m.actualMs!)} ${m.verdict === 'met' ? 'within' : 'exceeds'} ${objective} ${formatDuration(m.objectiveMs)}${context}`;
  return m.verdict === 'breached' ? { ...base, failure: { type: `${objective} breached`, message: text } } : base;
}

function tierCases(t: TierRow, runbook: string): Case[] {
  const cls = `${runbook}.${t.name}`;
  const cases: Case[] = [];
  if (!t.resources.some((r) => r.rta)) cases.push(objectiveCase(`${t.name} RTO`, cls, 'RTA', t.rta, 'RTO', ` (tier ${t.name} validated)`, `tier ${t.name} was not validated (${t.status})`));
  for (const r of t.resources) {
    if (r.rta) cases.push(objectiveCase(`${r.id} RTO`, cls, 'RTA', r.rta, 'RTO', '', `the restore of ${r.id} was not validated (${r.status})`));
    const rp = r.recoveryPoint ? ` (recovery point ${fmtTime(r.recoveryPoint.at)}, ${r.recoveryPoint.source})` : '';
    cases.push(objectiveCase(`${r.id} RPO (recovery point)`, cls, 'RPA', r.rpa, 'RPO', rp, 'no recovery point was recovered'));
    const row = r.newestRow ? ` (newest restored row ${fmtTime(r.newestRow)})` : '';
    cases.push(objectiveCase(`${r.id} RPO (data)`, cls, 'data RPA', r.dataRpa, 'RPO', row, 'no freshness check reported a newest row'));
  }
  return cases;
}

function runCases(m: ReportModel): Case[] {
  const cls = `${m.runbook.name}.run`;
  const ok = m.status === 'PASSED' || m.status === 'COMPLETED';
  const cases: Case[] = [{ name: 'run status', classname: cls, seconds: 0, failure: ok ? undefined : { type: m.status, message: m.reasons.join('; ') || m.status } }];
  if (m.cleanup) {
    const bad = [...m.cleanup.problems, ...m.cleanup.leaks.map((l) => `LEAK: ${l}`)];
    cases.push({ name: 'cleanup and leak scan', classname: cls, seconds: 0, failure: bad.length ? { type: 'cleanup', message: bad.join('; ') } : undefined });
  }
  return cases;
}

function suite(name: string, cases: Case[], timestamp: string): string {
  const failures = cases.filter((c) => c.failure).length;
  const skipped = cases.filter((c) => c.skipped).length;
  const time = cases.reduce((n, c) => n + c.seconds, 0);
  const body = cases.map((c) => {
    const open = `    <testcase name="${esc(c.name)}" classname="${esc(c.classname)}" time="${c.seconds.toFixed(3)}"`;
    if (c.failure) return `${open}>\n      <failure type="${esc(c.failure.type)}" message="${esc(c.failure.message)}">${esc(c.failure.message)}</failure>\n    </testcase>`;
    if (c.skipped) return `${open}>\n      <skipped message="${esc(c.skipped)}"/>\n    </testcase>`;
    return `${open}/>`;
  });
  return [`  <testsuite name="${esc(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${time.toFixed(3)}" timestamp="${esc(timestamp)}">`, ...body, '  </testsuite>'].join('\n');
}

/** Renders the model as a JUnit XML document. */
export function renderJunit(m: ReportModel): string {
  const timestamp = new Date(Date.parse(m.startedAt)).toISOString().replace(/\.\d+Z$/, '');
  const suites = [...m.tiers.map((t) => ({ name: t.name, cases: tierCases(t, m.runbook.name) })), { name: 'run', cases: runCases(m) }];
  const all = suites.flatMap((s) => s.cases);
  const duration = Math.max(0, Date.parse(m.endedAt) - Date.parse(m.startedAt)) / 1000;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${esc(`drctl ${m.kind} ${m.runbook.name} ${m.workflowId}`)}" tests="${all.length}" failures="${all.filter((c) => c.failure).length}" errors="0" skipped="${all.filter((c) => c.skipped).length}" time="${(Number.isFinite(duration) ? duration : 0).toFixed(3)}">`,
    ...suites.map((s) => suite(s.name, s.cases, timestamp)),
    '</testsuites>',
    '',
  ].join('\n');
}
