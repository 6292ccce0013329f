/**
 * The Markdown report: summary, findings, the objectives table, the timeline picture and the steps.
 * The timeline is either linked (`timeline: { href }`, an SVG file written beside the report) or
 * inlined as an HTML block, which viewers that allow inline SVG show.
 */
import { formatDuration, type Measured } from '../runbooks';
import { between, clockNote, fmtMeasured, fmtTime as rawTime, headline, verdictLabel } from './format';
import type { ReportModel } from './model';
import { renderTimelineSvg } from './timeline-svg';

export interface MarkdownOptions {
  /** Link the timeline image at this relative path instead of inlining the SVG. */
  timeline?: { href: string };
}

/** Escapes text for a Markdown table cell or paragraph: no HTML, no emphasis, no cell breaks. */
export function escapeMd(text: string): string {
  return text
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|#])/g, '\\$1')
    .replace(/\r?\n/g, ' ');
}

const cell = (m: Measured | undefined) => (m ? `${m.verdict === 'breached' ? '**BREACHED**' : verdictLabel(m.verdict)}: ${fmtMeasured(m)}` : '');
const fmtTime = (iso: string | null | undefined) => escapeMd(rawTime(iso));
const row = (cells: string[]) => `| ${cells.join(' | ')} |`;

/** Renders the model as a Markdown document. */
export function renderMarkdown(m: ReportModel, opts: MarkdownOptions = {}): string {
  const e = escapeMd;
  const lines: string[] = [`# ${e(m.title)}: ${e(m.runbook.name)}`, '', `**${e(headline(m))}**`, ''];
  const took = between(m.startedAt, m.endedAt);
  const facts: Array<[string, string]> = [
    ['Run', `\`${m.workflowId.replace(/`/g, "'")}\``],
    ['Runbook', `${e(m.runbook.name)}, sha256 \`${m.runbook.sha256.replace(/`/g, "'")}\``],
    ['Started by', e(m.initiator)],
    ['Approvals', m.approvals.length ? m.approvals.map((a) => `${e(a.approver)} (gate ${e(a.gate)}, ${fmtTime(a.at)}${a.comment ? `: “${e(a.comment)}”` : ''})`).join('; ') : 'none required'],
    ...(m.incident ? [['Incident', `${e(m.incident.id)}, declared ${fmtTime(m.incident.declaredAt)}`] as [string, string]] : []),
    ...(m.failoverWorkflowId ? [['Fails back', `\`${m.failoverWorkflowId.replace(/`/g, "'")}\``] as [string, string]] : []),
    ['T_start', fmtTime(m.startedAt)],
    ['Ended', `${fmtTime(m.endedAt)}${took === null ? '' : ` (${formatDuration(took)} after T_start)`}`],
    ['Objectives', `${m.verdict.objectives.met} met, ${m.verdict.objectives.breached} breached, ${m.verdict.objectives.unmeasured} unmeasured`],
  ];
  lines.push(...facts.map(([k, v]) => `- **${k}**: ${v}`), '');
  if (m.reasons.length) lines.push('## Findings', '', ...m.reasons.map((r) => `- ${e(r)}`), '');

  lines.push('## Objectives by tier and resource', '');
  lines.push(row(['Tier / resource', 'Status', 'Recovered in', 'Recovery point', 'RTA vs RTO', 'RPA vs RPO (recovery point)', 'RPA vs RPO (newest row)', 'Checks']));
  lines.push(row(Array(8).fill('---')));
  for (const t of m.tiers) {
    lines.push(row([`**${e(t.name)}** (RTO ${e(t.objectives.rto)}, RPO ${e(t.objectives.rpo)})`, e(t.status), '', '', cell(t.rta), '', '', '']));
    for (const r of t.resources) {
      const rp = r.recoveryPoint ? `${fmtTime(r.recoveryPoint.at)} (${e(r.recoveryPoint.source)})` : '—';
      lines.push(row([`${e(r.id)}`, e(r.status), `${e(r.account)} ${e(r.accountId)} ${e(r.region)}`, rp, cell(r.rta), cell(r.rpa), cell(r.dataRpa), r.checks.total ? `${r.checks.passed}/${r.checks.total}` : 'none']));
    }
  }
  lines.push('');

  lines.push('## Timeline', '');
  if (opts.timeline) lines.push(`![Timeline of ${e(m.workflowId)}](${encodeURI(opts.timeline.href)})`, '');
  else lines.push('<div>', renderTimelineSvg(m), '</div>', '');

  lines.push('## Steps', '', row(['Step', 'Status', 'Started', 'Took', 'Account', 'Region', 'Detail']), row(Array(7).fill('---')));
  for (const s of m.steps) {
    const d = between(s.startedAt, s.endedAt);
    lines.push(row([e(s.id), e(s.status), fmtTime(s.startedAt), d === null ? '—' : formatDuration(d), `${e(s.account)} ${e(s.accountId)}`, e(s.region), e(s.detail ?? '')]));
  }
  lines.push('');
  if (m.cleanup) {
    const c = m.cleanup;
    lines.push('## Cleanup and leak scan', '', `${c.deleted} resource(s) deleted; leak scan checked ${c.scanned}: ${c.leaks.length ? `**${c.leaks.length} leak(s)**` : 'nothing left behind'}.`);
    lines.push(...c.problems.map((p) => `- cleanup problem: ${e(p)}`), ...c.leaks.map((l) => `- LEAK: ${e(l)}`), '');
  }
  lines.push(`_Times are UTC; T_start is ${e(clockNote(m))}. RTA = T_validated − T_start; RPA = T_start − time of the data recovered._`, '');
  return lines.join('\n');
}
