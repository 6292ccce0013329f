/**
 * Polite polling for long AWS operations: capped exponential backoff, a heartbeat on every poll so
 * Temporal notices a dead worker, and a cancellation-aware sleep.
 */
import { Context } from '@temporalio/activity';

export interface WaitOptions {
  /** What is being waited for, for the heartbeat and the timeout message. */
  what: string;
  /** First poll interval. @default 500 ms */
  initialMs?: number;
  /** Poll interval cap; hundreds of resources must not throttle the account. @default 20 s */
  maxMs?: number;
  /** Give up after this long. @default 2 h */
  timeoutMs?: number;
}

/** Polls `probe` until it returns a value (not undefined). */
export async function waitFor<T>(probe: () => Promise<T | undefined>, opts: WaitOptions): Promise<T> {
  const started = Date.now();
  let interval = opts.initialMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > (opts.timeoutMs ?? 7_200_000)) throw new Error(`timed out waiting for ${opts.what}`);
    heartbeat({ waitingFor: opts.what, attempt });
    await sleep(interval);
    interval = Math.min(interval * 1.6, opts.maxMs ?? 20_000);
  }
}

function inActivity(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

export function heartbeat(details?: unknown): void {
  inActivity()?.heartbeat(details);
}

async function sleep(ms: number): Promise<void> {
  const ctx = inActivity();
  if (ctx) await ctx.sleep(ms);
  else await new Promise((r) => setTimeout(r, ms));
}
