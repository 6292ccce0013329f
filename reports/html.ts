/**
 * The HTML report: one self-contained page (inline CSS, the inline SVG timeline, no scripts, no
 * external resources) that a DR lead reads at a glance and an auditor can print.
 */
import { formatDuration, type Measured } from '../runbooks';
import { between, clockNote, escapeXml as esc, fmtTime, headline, verdictLabel } from './format';
import type { ReportModel, ResourceRow, TierRow } from './model';
import { renderTimelineSvg } from './timeline-svg';

const CSS = `
*{box-sizing:border-box}
body{margin:0;background:#eef1f5;color:#1f2933;font:14px/1.45 "Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif}
header.top{background:#102a43;color:#f0f4f8;padding:22px 32px 20px}
header.top .kind{font-size:12px;letter-spacing:.08em;text-transform:uppercase;color:#9fb3c8}
header.top h1{margin:4px 0 12px;font-size:22px;font-weight:600;word-break:break-all}
.verdict{display:inline-block;padding:6px 14px;border-radius:4px;font-weight:700;font-size:15px}
.verdict.pass{background:#2e7d32;color:#fff}.verdict.fail{background:#c62828;color:#fff}
.tiles{display:flex;gap:12px;margin-top:16px;flex-wrap:wrap}
.tile{background:#243b53;border-radius:6px;padding:8px 16px;min-width:130px;border-top:4px solid #627d98}
.tile b{display:block;font-size:24px;line-height:1.1;color:#fff}.tile span{font-size:12px;color:#bcccdc}
.tile.met{border-color:#4caf50}.tile.breached{border-color:#ef5350}.tile.unmeasured{border-color:#9aa5b1}
main{max-width:1180px;margin:0 auto;padding:20px 24px 8px}
section{background:#fff;border:1px solid #d9e2ec;border-radius:6px;padding:16px 20px;margin-bottom:18px}
h2{margin:0 0 12px;font-size:15px;text-transform:uppercase;letter-spacing:.05em;color:#334e68}
dl.summary{display:grid;grid-template-columns:170px 1fr;gap:6px 16px;margin:0}
dl.summary dt{color:#52606d}dl.summary dd{margin:0}
code{font:12px/1.4 "DejaVu Sans Mono",Menlo,Consolas,monospace;background:#f0f4f8;padding:1px 4px;border-radius:3px;word-break:break-all}
section.findings{border-left:5px solid #f0b429;background:#fffbea}
ul.findings{margin:0;padding-left:20px}ul.findings li{margin:2px 0}
table{border-collapse:collapse;width:100%;font-size:13px}
th{text-align:left;font-weight:600;color:#334e68;background:#f0f4f8;border-bottom:2px solid #bcccdc;padding:7px 8px;vertical-align:bottom}
td{border-bottom:1px solid #e4e7eb;padding:6px 8px;vertical-align:top}
td small{color:#52606d}.nw{white-space:nowrap}
tr.tier td small{display:block;font-weight:400}
tr.tier td{background:#f5f7fa;font-weight:600;border-top:1px solid #bcccdc}
tr.resource td:first-child{padding-left:22px}
.m{display:inline-block;min-width:104px;padding:2px 7px;border-radius:3px;border-left:4px solid}
.m small{display:block;font-size:11px;color:#52606d;white-space:nowrap}
table.objectives td:first-child{white-space:nowrap}
.m.met{background:#e8f5e9;border-color:#2e7d32}.m.breached{background:#ffebee;border-color:#c62828}.m.unmeasured{background:#f0f2f4;border-color:#9aa5b1}
.m.breached b{color:#b71c1c}
.s{font-weight:600}.s.ok{color:#2e7d32}.s.bad{color:#c62828}.s.other{color:#52606d}
.timeline,.scroll{overflow-x:auto}.timeline svg{display:block;width:100%;min-width:860px;height:auto}
td.detail{color:#52606d;max-width:360px;word-break:break-word}
footer{max-width:1180px;margin:0 auto 28px;padding:0 24px;color:#7b8794;font-size:12px}
@media print{body{background:#fff}section{break-inside:avoid;border:none}}
`;

const OK = new Set(['PASSED', 'COMPLETED', 'validated', 'done']);
const BAD = new Set(['FAILED', 'REFUSED', 'ABORTED', 'CANCELLED', 'failed', 'blocked', 'cancelled']);
const status = (s: string) => `<span class="s ${OK.has(s) ? 'ok' : BAD.has(s) ? 'bad' : 'other'}">${esc(s)}</span>`;

function measured(m: Measured | undefined, objective: 'RTO' | 'RPO'): string {
  if (!m) return '';
  const actual = m.actualMs === null ? 'not measured' : formatDuration(m.actualMs);
  return `<span class="m ${m.verdict}"><b>${esc(actual)}</b><small>${objective} ${esc(formatDuration(m.objectiveMs))} · ${verdictLabel(m.verdict)}</small></span>`;
}

function tierRows(t: TierRow): string {
  const perResource = t.resources.some((r) => r.rta);
  const head = `<tr class="tier" data-tier="${esc(t.name)}"><td>${esc(t.name)}<small>RTO ${esc(t.objectives.rto)} · RPO ${esc(t.objectives.rpo)}</small></td><td>${status(t.status)}</td><td></td><td></td><td>${measured(t.rta, 'RTO')}${perResource ? '<small>worst of its resources</small>' : ''}</td><td></td><td></td><td></td></tr>`;
  return [head, ...t.resources.map(resourceRow)].join('\n');
}

function resourceRow(r: ResourceRow): string {
  const rp = r.recoveryPoint ? `${esc(fmtTime(r.recoveryPoint.at))}<br><small>${esc(r.recoveryPoint.source)}</small>` : '—';
  const checks = r.checks.total ? `${r.checks.passed}/${r.checks.total}` : 'none';
  return `<tr class="resource" data-resource="${esc(r.id)}"><td>${esc(r.id)}</td><td>${status(r.status)}</td><td>${esc(r.account)}<br><small class="nw">${esc(r.accountId)} · ${esc(r.region)}</small></td><td class="nw">${rp}</td><td>${measured(r.rta, 'RTO')}</td><td>${measured(r.rpa, 'RPO')}</td><td>${measured(r.dataRpa, 'RPO')}${r.newestRow ? `<br><small>newest row ${esc(fmtTime(r.newestRow))}</small>` : ''}</td><td>${checks}</td></tr>`;
}

function summary(m: ReportModel): string {
  const rows: Array<[string, string]> = [
    ['Run', `<code>${esc(m.workflowId)}</code>`],
    ['Kind', esc(m.title)],
    ['Runbook', `${esc(m.runbook.name)} · sha256 <code>${esc(m.runbook.sha256)}</code>`],
    ['Started by', esc(m.initiator)],
    ['Approvals', m.approvals.length ? m.approvals.map((a) => `${esc(a.approver)} — gate <i>${esc(a.gate)}</i> at ${esc(fmtTime(a.at))}${a.comment ? ` — “${esc(a.comment)}”` : ''}`).join('<br>') : 'none required'],
  ];
  if (m.incident) rows.push(['Incident', `${esc(m.incident.id)}, declared ${esc(fmtTime(m.incident.declaredAt))}`]);
  if (m.failoverWorkflowId) rows.push(['Fails back', `<code>${esc(m.failoverWorkflowId)}</code>`]);
  const took = between(m.startedAt, m.endedAt);
  rows.push(['T_start', esc(fmtTime(m.startedAt))], ['Ended', `${esc(fmtTime(m.endedAt))}${took === null ? '' : ` (${esc(formatDuration(took))} after T_start)`}`]);
  const o = m.verdict.objectives;
  rows.push(['Objectives', `${o.met} met · <b>${o.breached} breached</b> · ${o.unmeasured} unmeasured`]);
  return `<dl class="summary">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function tiles(m: ReportModel): string {
  const o = m.verdict.objectives;
  const took = between(m.startedAt, m.endedAt);
  const tile = (cls: string, value: string, label: string) => `<div class="tile ${cls}"><b>${esc(value)}</b><span>${esc(label)}</span></div>`;
  return `<div class="tiles">${tile('met', String(o.met), 'objectives met')}${tile('breached', String(o.breached), 'objectives breached')}${tile('unmeasured', String(o.unmeasured), 'not measured')}${tile('', took === null ? '—' : formatDuration(took), 'T_start to end')}${tile('', String(m.steps.length), 'steps')}</div>`;
}

function steps(m: ReportModel): string {
  const rows = m.steps.map((s) => {
    const took = between(s.startedAt, s.endedAt);
    return `<tr class="step" data-step="${esc(s.id)}"><td>${esc(s.id)}</td><td>${status(s.status)}</td><td class="nw">${esc(fmtTime(s.startedAt))}</td><td class="nw">${took === null ? '—' : esc(formatDuration(took))}</td><td class="nw">${esc(s.account)} <small>${esc(s.accountId)}</small></td><td class="nw">${esc(s.region)}</td><td class="detail">${esc(s.detail ?? '')}</td></tr>`;
  });
  return `<table class="steps"><thead><tr><th>Step</th><th>Status</th><th>Started</th><th>Took</th><th>Account</th><th>Region</th><th>Detail</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function cleanup(m: ReportModel): string {
  const c = m.cleanup;
  if (!c) return '<p>Nothing is rolled back after a live failover: what runs on the recovery side is listed in the run record.</p>';
  const items = [`${c.deleted} resource(s) created by the run deleted; leak scan checked ${c.scanned} resource(s) tagged with the run id.`,
    ...c.problems.map((p) => `cleanup problem: ${p}`), ...c.leaks.map((l) => `LEAK: ${l}`)];
  return `<ul class="findings">${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul><p class="s ${c.leaks.length || c.problems.length ? 'bad' : 'ok'}">${c.leaks.length ? `${c.leaks.length} leak(s) remain` : c.problems.length ? 'cleanup had problems' : 'nothing left behind'}</p>`;
}

/** Renders the model as a self-contained HTML page. */
export function renderHtml(m: ReportModel): string {
  const title = `${m.title}: ${m.runbook.name} — ${headline(m)}`;
  const tableHead = '<tr><th>Tier / resource</th><th>Status</th><th>Recovered in</th><th>Recovery point</th><th>RTA vs RTO</th><th>RPA vs RPO<br><small>recovery point</small></th><th>RPA vs RPO<br><small>newest restored row</small></th><th>Checks</th></tr>';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header class="top"><div class="kind">${esc(m.title)} · ${esc(m.runbook.name)}</div><h1>${esc(m.workflowId)}</h1><div class="verdict ${m.verdict.passed ? 'pass' : 'fail'}">${esc(headline(m))}</div>${tiles(m)}</header>
<main>
<section><h2>Summary</h2>${summary(m)}</section>
${m.reasons.length ? `<section class="findings"><h2>Findings</h2><ul class="findings">${m.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul></section>` : ''}
<section><h2>Objectives by tier and resource</h2><div class="scroll"><table class="objectives"><thead>${tableHead}</thead><tbody>
${m.tiers.map(tierRows).join('\n')}
</tbody></table></div></section>
<section><h2>Timeline</h2><div class="timeline">${renderTimelineSvg(m)}</div></section>
<section><h2>Steps</h2>${steps(m)}</section>
<section><h2>Cleanup and leak scan</h2>${cleanup(m)}</section>
</main>
<footer>Generated by drctl from the run record of <code>${esc(m.workflowId)}</code>. Times are UTC; T_start is ${clockNote(m)}. RTA = T_validated − T_start; RPA = T_start − time of the data recovered.</footer>
</body>
</html>
`;
}
