/** Choosing a recovery point: pure, so `random` is reproducible from the run's seed. */
import { durationMs } from './duration';

export interface RecoveryPointCandidate {
  /** Recovery point ARN or snapshot ARN. */
  arn: string;
  /** Snapshot identifier when the source is RDS snapshots. */
  id?: string;
  createdAt: string;
  kind: 'backup' | 'snapshot-automated' | 'snapshot-manual';
  status: string;
  encrypted?: boolean;
}

export type Pick = { ok: true; chosen: RecoveryPointCandidate; considered: number } | { ok: false; reason: string; considered: number; newest?: string };

/** Candidates that are complete and inside the window, newest first. */
export function eligible(candidates: RecoveryPointCandidate[], within: string, now: Date): RecoveryPointCandidate[] {
  const oldest = now.getTime() - durationMs(within);
  return candidates
    .filter((c) => ['COMPLETED', 'available'].includes(c.status) && Date.parse(c.createdAt) >= oldest && Date.parse(c.createdAt) <= now.getTime())
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || a.arn.localeCompare(b.arn));
}

export function pickRecoveryPoint(candidates: RecoveryPointCandidate[], opts: { pick: 'latest' | 'random'; within: string; now: Date; seed: string }): Pick {
  const inWindow = eligible(candidates, opts.within, opts.now);
  if (inWindow.length === 0) {
    const newest = [...candidates].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
    return { ok: false, considered: candidates.length, newest: newest?.createdAt, reason: `no completed recovery point within ${opts.within}${newest ? ` (newest is from ${newest.createdAt})` : ' (none found)'}` };
  }
  const index = opts.pick === 'latest' ? 0 : hash32(opts.seed) % inWindow.length;
  return { ok: true, chosen: inWindow[index], considered: candidates.length };
}

/** FNV-1a: a stable small hash for reproducible random picks (not for security). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
