/**
 * RTO/RPO arithmetic (design notes §4). Measured values are RTA and RPA; each is compared with the
 * tier's objective. All inputs are cloud or activity timestamps, never "when we noticed".
 */
import { durationMs } from './duration';

export type Verdict = 'met' | 'breached' | 'unmeasured';

export interface Measured {
  /** Milliseconds, or null when it could not be measured (e.g. no recovery point in the window). */
  actualMs: number | null;
  objectiveMs: number;
  verdict: Verdict;
}

export function against(actualMs: number | null, objective: string): Measured {
  const objectiveMs = durationMs(objective);
  if (actualMs === null) return { actualMs, objectiveMs, verdict: 'unmeasured' };
  return { actualMs, objectiveMs, verdict: actualMs <= objectiveMs ? 'met' : 'breached' };
}

const ms = (iso: string | undefined | null) => (iso ? Date.parse(iso) : NaN);
const diff = (later: string | undefined | null, earlier: string | undefined | null) => {
  const d = ms(later) - ms(earlier);
  return Number.isFinite(d) ? d : null;
};

export interface RestoreTimestamps {
  /** Run start (or declared incident start). */
  start: string;
  /** Time of the data recovered: recovery point / snapshot creation, PITR restore time. */
  recoveryPoint?: string | null;
  /** Newest committed row found by a freshness query on the restored copy. */
  newestRow?: string | null;
  restoreStart?: string | null;
  restoreDone?: string | null;
  validated?: string | null;
}

export interface RestoreMeasurements {
  /** T_validated − T_start against the RTO. */
  rta: Measured;
  /** T_start − T_rp against the RPO. */
  rpa: Measured;
  /** T_start − newest row against the RPO, when a freshness check ran. */
  dataRpa: Measured;
  /** The restore's own data-plane window (job CreationDate → CompletionDate). */
  restoreDurationMs: number | null;
}

export function measureRestore(t: RestoreTimestamps, objectives: { rto: string; rpo: string }): RestoreMeasurements {
  return {
    rta: against(diff(t.validated, t.start), objectives.rto),
    rpa: against(diff(t.start, t.recoveryPoint), objectives.rpo),
    dataRpa: against(diff(t.start, t.newestRow), objectives.rpo),
    restoreDurationMs: diff(t.restoreDone, t.restoreStart),
  };
}

/** Worst verdict wins: any breach breaches; unmeasured counts as a breach where it was required. */
export function overall(verdicts: Verdict[]): Verdict {
  if (verdicts.includes('breached')) return 'breached';
  if (verdicts.length > 0 && verdicts.every((v) => v === 'unmeasured')) return 'unmeasured';
  return 'met';
}
