/**
 * The run's timeline as a self-contained SVG: one bar per step in a labelled band per tier, x = time
 * since T_start, colour by status, approvals as vertical markers naming the approver, and each tier's
 * RTO as a dashed line at T_start + RTO (annotated at the right edge when far off-scale). Pure and
 * deterministic: the same model always gives the same bytes.
 */
import { durationMs, formatDuration } from '../runbooks/duration';
import type { Verdict } from '../runbooks/measure';
import { escapeXml as esc, fmtTime } from './format';
import type { ReportModel, StepRow, TierRow } from './model';

const W = 1040;
const LABEL_W = 270;
const RIGHT = 28;
const CHART_W = W - LABEL_W - RIGHT;
const ROW = 20;
const BAND_HEAD = 22;
const APPROVAL_LINE = 15;
const AXIS = 24;
const LEGEND = 34;
/** A deadline further than this many times the run's span is drawn as an off-scale note. */
const OFF_SCALE_FACTOR = 2.5;

const STATUS_COLOURS: Record<string, string> = {
  done: '#2e7d32', failed: '#c62828', running: '#1565c0', 'waiting-approval': '#6a1b9a',
  blocked: '#ef6c00', cancelled: '#616161', pending: '#b0bec5', skipped: '#9e9e9e',
};
const VERDICT_COLOURS: Record<Verdict, string> = { met: '#2e7d32', breached: '#c62828', unmeasured: '#6b7280' };
const APPROVAL_COLOUR = '#6a1b9a';
const TICK_STEPS = ['1s', '2s', '5s', '10s', '15s', '30s', '1m', '2m', '5m', '10m', '15m', '30m', '1h', '2h', '3h', '6h', '12h', '1d', '2d', '7d'].map(durationMs);

interface Band {
  label: string;
  sub: string;
  tier?: TierRow;
  rows: StepRow[];
}

interface Deadline {
  ms: number;
  label: string;
  verdict: Verdict;
  /** Rows of the band the line spans (a resource's own rows, or all of them). */
  first: number;
  last: number;
}

function bandsOf(model: ReportModel): Band[] {
  const untiered = model.steps.filter((s) => !s.tier || !model.tiers.some((t) => t.name === s.tier));
  const bands: Band[] = untiered.length ? [{ label: 'run-wide', sub: 'preflight · approvals · traffic · cleanup', rows: untiered }] : [];
  for (const tier of model.tiers) {
    const rows = model.steps.filter((s) => s.tier === tier.name);
    bands.push({ label: tier.name, sub: `RTO ${tier.objectives.rto} · RPO ${tier.objectives.rpo}`, tier, rows });
  }
  return bands;
}

function deadlinesOf(band: Band, t0: number): Deadline[] {
  const tier = band.tier;
  if (!tier || band.rows.length === 0) return [];
  const rto = durationMs(tier.objectives.rto);
  const own = tier.resources.filter((r) => r.rta && r.clockStart);
  if (own.length === 0) return [{ ms: rto, label: `RTO ${tier.objectives.rto}`, verdict: tier.rta.verdict, first: 0, last: band.rows.length - 1 }];
  return own.flatMap((r) => {
    const idx = band.rows.map((s, i) => (s.resource === r.id ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) return [];
    return [{ ms: Date.parse(r.clockStart!) - t0 + rto, label: `${r.id} RTO ${tier.objectives.rto}`, verdict: r.rta!.verdict, first: idx[0], last: idx[idx.length - 1] }];
  });
}

function rtaSpan(tier: TierRow): string {
  const rta = tier.rta;
  const text = rta.actualMs === null ? 'RTA not measured' : `RTA ${formatDuration(rta.actualMs)} ${rta.verdict === 'met' ? 'met' : 'BREACHED'}`;
  return ` · <tspan style="fill:${VERDICT_COLOURS[rta.verdict]};font-weight:600">${esc(text)}</tspan>`;
}

const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const offsetOf = (iso: string | undefined, t0: number) => (iso && Number.isFinite(Date.parse(iso)) ? Date.parse(iso) - t0 : null);

/** Renders the model's steps, approvals and RTO lines as one SVG document (no external resources). */
export function renderTimelineSvg(model: ReportModel): string {
  const t0 = Date.parse(model.startedAt);
  const bands = bandsOf(model);
  const deadlines = bands.map((b) => deadlinesOf(b, t0));
  const approvals = model.approvals.map((a) => ({ ...a, ms: offsetOf(a.at, t0) ?? 0 }));
  const times = [...model.steps.flatMap((s) => [offsetOf(s.startedAt, t0), offsetOf(s.endedAt, t0)]), ...approvals.map((a) => a.ms), 1000]
    .filter((x): x is number => x !== null);
  const dataEnd = Math.max(...times);
  const minMs = Math.min(0, ...times);
  const inScale = deadlines.flat().filter((d) => d.ms <= dataEnd * OFF_SCALE_FACTOR).map((d) => d.ms);
  const maxMs = Math.max(dataEnd, ...inScale) * 1.04;
  const x = (ms: number) => LABEL_W + ((Math.min(ms, maxMs) - minMs) / (maxMs - minMs)) * CHART_W;

  const top = 8 + approvals.length * APPROVAL_LINE;
  const chartTop = top + AXIS;
  const bandTops: number[] = [];
  let y = chartTop;
  for (const b of bands) {
    bandTops.push(y);
    y += BAND_HEAD + b.rows.length * ROW + 6;
  }
  const chartBottom = y;
  const height = chartBottom + LEGEND;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" class="tl" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="${esc(`Timeline of ${model.title} ${model.workflowId}`)}">`);
  out.push(`<title>${esc(`${model.title} ${model.workflowId}: steps from T_start ${fmtTime(model.startedAt)}`)}</title>`);
  out.push('<style>.tl text{font-family:"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;font-size:11px;fill:#1f2933}.tl .lbl{font-size:11px}.tl .band{font-weight:600;font-size:12px}.tl .sub{fill:#52606d;font-size:10.5px}.tl .tick{fill:#52606d;font-size:10px}.tl .dur{fill:#52606d;font-size:10px}.tl .note{font-size:10.5px;font-weight:600}</style>');
  out.push('<defs><pattern id="tl-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#eceff1"/><line x1="0" y1="0" x2="0" y2="6" stroke="#9e9e9e" stroke-width="2"/></pattern></defs>');
  out.push(`<rect x="0" y="0" width="${W}" height="${height}" fill="#ffffff"/>`);

  // Bands: background, tier name and objectives.
  bands.forEach((b, i) => {
    const by = bandTops[i];
    const h = BAND_HEAD + b.rows.length * ROW;
    out.push(`<g class="tl-band" data-band="${esc(b.label)}"><rect x="0" y="${by}" width="${W}" height="${h}" fill="${i % 2 ? '#ffffff' : '#f5f7fa'}"/>`);
    out.push(`<text class="band" x="10" y="${by + 15}">${esc(b.label.toUpperCase())}</text><text class="sub" x="${10 + b.label.length * 8.6 + 10}" y="${by + 15}">${esc(b.sub)}${b.tier ? rtaSpan(b.tier) : ''}</text></g>`);
  });

  // Axis: gridlines and tick labels from T_start.
  const span = maxMs - minMs;
  const tick = TICK_STEPS.find((s) => span / s <= 10) ?? TICK_STEPS[TICK_STEPS.length - 1];
  for (let t = Math.ceil(minMs / tick) * tick; t <= maxMs; t += tick) {
    const tx = x(t).toFixed(1);
    out.push(`<line x1="${tx}" y1="${chartTop - 4}" x2="${tx}" y2="${chartBottom}" stroke="${t === 0 ? '#1f2933' : '#d9e2ec'}" stroke-width="${t === 0 ? 1.2 : 1}"/>`);
    out.push(`<text class="tick" x="${tx}" y="${chartTop - 8}" text-anchor="middle">${t === 0 ? 'T_start' : `+${formatDuration(t)}`}</text>`);
  }

  // Bars, one per step.
  bands.forEach((b, i) => {
    let cursor = 0;
    b.rows.forEach((s, r) => {
      const ry = bandTops[i] + BAND_HEAD + r * ROW;
      const start = offsetOf(s.startedAt, t0);
      const end = offsetOf(s.endedAt, t0) ?? start;
      const label = b.tier && s.id.startsWith(`${b.tier.name}/`) ? s.id.slice(b.tier.name.length + 1) : s.id;
      out.push(`<text class="lbl" x="22" y="${ry + 14}">${esc(truncate(label, 40))}</text>`);
      const timed = start !== null && end !== null;
      const x1 = timed ? x(start) : x(cursor);
      const w = timed ? Math.max(2, x(end) - x1) : 8;
      if (timed) cursor = Math.max(cursor, end);
      const fill = timed ? STATUS_COLOURS[s.status] ?? '#78909c' : 'url(#tl-hatch)';
      const dur = timed ? formatDuration(end - start) : s.status;
      const tip = [`${s.id}: ${s.status}`, timed ? `${fmtTime(s.startedAt)} → ${fmtTime(s.endedAt)} (${dur})` : 'never ran', `${s.account} (${s.accountId}) ${s.region}`, s.detail ?? ''].filter(Boolean).join('\n');
      out.push(`<g class="bar" data-step="${esc(s.id)}" data-status="${esc(s.status)}"><title>${esc(tip)}</title><rect x="${x1.toFixed(1)}" y="${ry + 4}" width="${w.toFixed(1)}" height="12" rx="2" fill="${fill}"${timed ? '' : ' stroke="#9e9e9e"'}/></g>`);
      // The duration goes inside a wide bar, else after it, else before it.
      const after = x1 + w + 4;
      const [tx, anchor, style] = w > 64 ? [x1 + w - 4, 'end', ' style="fill:#ffffff"'] : after + 60 < W - RIGHT ? [after, 'start', ''] : [x1 - 4, 'end', ''];
      out.push(`<text class="dur" x="${tx.toFixed(1)}" y="${ry + 14}" text-anchor="${anchor}"${style}>${esc(dur)}</text>`);
    });
  });

  // RTO objective lines.
  bands.forEach((b, i) => {
    for (const d of deadlines[i]) {
      const colour = VERDICT_COLOURS[d.verdict];
      const y1 = bandTops[i] + BAND_HEAD + d.first * ROW;
      const y2 = bandTops[i] + BAND_HEAD + (d.last + 1) * ROW;
      if (d.ms > maxMs) {
        out.push(`<text class="note rto-off" data-tier="${esc(b.label)}" x="${W - RIGHT}" y="${y1 + 13}" text-anchor="end" style="fill:${colour}">${esc(`${d.label} at +${formatDuration(d.ms)} ▸ off-scale`)}</text>`);
        continue;
      }
      const lx = x(d.ms).toFixed(1);
      out.push(`<g class="rto" data-tier="${esc(b.label)}" data-verdict="${d.verdict}"><line x1="${lx}" y1="${y1 - BAND_HEAD + 4}" x2="${lx}" y2="${y2}" stroke="${colour}" stroke-width="2" stroke-dasharray="6 3"/>`);
      out.push(`<text class="note" x="${(Number(lx) - 4).toFixed(1)}" y="${y1 - 7}" text-anchor="end" style="fill:${colour}">${esc(d.label)}</text></g>`);
    }
  });

  // Approval markers, each with its own label line above the axis.
  approvals.forEach((a, i) => {
    const ax = x(a.ms);
    const ly = 8 + i * APPROVAL_LINE + 10;
    const right = ax > LABEL_W + CHART_W * 0.6;
    out.push(`<g class="approval"><line x1="${ax.toFixed(1)}" y1="${ly + 3}" x2="${ax.toFixed(1)}" y2="${chartBottom}" stroke="${APPROVAL_COLOUR}" stroke-width="1.3" stroke-dasharray="2 2"/>`);
    out.push(`<text x="${(ax + (right ? -5 : 5)).toFixed(1)}" y="${ly}"${right ? ' text-anchor="end"' : ''} style="fill:${APPROVAL_COLOUR}">${esc(`✔ ${a.approver} approved ${a.gate} · ${fmtTime(a.at)}`)}</text></g>`);
  });

  // Legend.
  const ly = chartBottom + 20;
  let lx = 10;
  const present = [...new Set(model.steps.map((s) => s.status))];
  for (const status of present) {
    out.push(`<rect x="${lx}" y="${ly - 9}" width="14" height="10" rx="2" fill="${STATUS_COLOURS[status] && status !== 'skipped' ? STATUS_COLOURS[status] : 'url(#tl-hatch)'}"/><text x="${lx + 19}" y="${ly}">${esc(status)}</text>`);
    lx += 30 + status.length * 6.5;
  }
  out.push(`<line x1="${lx}" y1="${ly - 9}" x2="${lx}" y2="${ly + 2}" stroke="#c62828" stroke-width="2" stroke-dasharray="4 2"/><text x="${lx + 6}" y="${ly}">RTO objective (green met, red breached, grey unmeasured)</text>`);
  lx += 345;
  if (approvals.length) out.push(`<line x1="${lx}" y1="${ly - 9}" x2="${lx}" y2="${ly + 2}" stroke="${APPROVAL_COLOUR}" stroke-width="1.3" stroke-dasharray="2 2"/><text x="${lx + 6}" y="${ly}">approval</text>`);
  out.push('</svg>');
  return out.join('\n');
}
