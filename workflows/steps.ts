/** Step bookkeeping shared by workflows: what ran, where, when, and how it ended. Deterministic. */
import { ApplicationFailure, isCancellation } from '@temporalio/workflow';

export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped' | 'cancelled';

export interface StepRecord {
  id: string;
  kind: string;
  account: string;
  accountId: string;
  region: string;
  status: StepStatus;
  startedAt?: string;
  endedAt?: string;
  detail?: string;
}

export class StepLog {
  readonly steps: StepRecord[] = [];

  add(s: Omit<StepRecord, 'status'>): StepRecord {
    const rec: StepRecord = { ...s, status: 'pending' };
    this.steps.push(rec);
    return rec;
  }

  get(id: string): StepRecord {
    const s = this.steps.find((x) => x.id === id);
    if (!s) throw ApplicationFailure.nonRetryable(`unknown step ${id}`);
    return s;
  }

  /** Runs `fn` as step `id`, recording start, end and outcome (workflow time is replay-safe). */
  async run<T>(id: string, fn: () => Promise<T>, describe?: (value: T) => string): Promise<T> {
    const s = this.get(id);
    s.status = 'running';
    s.startedAt = new Date().toISOString();
    try {
      const value = await fn();
      s.status = 'done';
      if (describe) s.detail = describe(value);
      return value;
    } catch (err) {
      s.status = isCancellation(err) ? 'cancelled' : 'failed';
      s.detail = failureMessage(err);
      throw err;
    } finally {
      s.endedAt = new Date().toISOString();
    }
  }

  skip(id: string, why: string): void {
    const s = this.get(id);
    if (s.status === 'pending') {
      s.status = 'skipped';
      s.detail = why;
    }
  }
}

/** The innermost message of a Temporal failure chain (activity failure → application failure). */
export function failureMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  let msg = e?.message ?? String(err);
  while (e?.cause) {
    e = e.cause as { message?: string; cause?: unknown };
    if (e.message) msg = e.message;
  }
  return msg;
}
