/** Small text helpers shared by the report renderers: escaping, times, measured values. Pure. */
import { formatDuration, type Measured, type Verdict } from '../runbooks';
import type { ReportModel } from './model';

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text for XML, HTML and SVG (element content and quoted attributes alike). */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ENTITIES[c]);
}

/** An ISO timestamp as `2026-12-03 02:05:41Z` (UTC, to the second); other text as it is. */
export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  return Number.isFinite(t) ? new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : iso;
}

/** `13m05s of 15m`, or `not measured (objective 15m)`. */
export function fmtMeasured(m: Measured): string {
  if (m.actualMs === null) return `not measured (objective ${formatDuration(m.objectiveMs)})`;
  return `${formatDuration(m.actualMs)} of ${formatDuration(m.objectiveMs)}`;
}

/** The word shown for a verdict. */
export function verdictLabel(v: Verdict): string {
  return v === 'met' ? 'met' : v === 'breached' ? 'BREACHED' : 'unmeasured';
}

/** One line for the top of a report: `FAILED · 2 breached, 1 unmeasured of 9 objectives`. */
export function headline(model: ReportModel): string {
  const { met, breached, unmeasured } = model.verdict.objectives;
  const total = met + breached + unmeasured;
  if (breached === 0 && unmeasured === 0) return `${model.status} · all ${total} objectives met`;
  const parts = [breached ? `${breached} breached` : '', unmeasured ? `${unmeasured} unmeasured` : ''].filter(Boolean);
  return `${model.status} · ${parts.join(', ')} of ${total} objectives`;
}

/** Milliseconds between two ISO times, or null when either is missing. */
export function between(from: string | undefined, to: string | undefined): number | null {
  if (!from || !to) return null;
  const d = Date.parse(to) - Date.parse(from);
  return Number.isFinite(d) ? d : null;
}

/** What T_start means for this kind of run (shared with the Markdown report). */
export function clockNote(m: ReportModel): string {
  if (m.incident) return 'the declared start of the incident';
  if (m.kind === 'restore-test') return 'the start of the run, and each resource\'s RTA counts from the start of its own restore test';
  return 'the start of the run';
}
