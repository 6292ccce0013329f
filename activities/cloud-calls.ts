/**
 * Records the changing AWS calls an activity makes (operation, account, region, request id), so
 * evidence can say exactly which cloud actions a step took. Reads (Describe, List, Get) are not
 * recorded. Each activity runs with its own list (AsyncLocalStorage), so parallel activities never mix.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface CloudCall {
  service: string;
  operation: string;
  accountId: string;
  region: string;
  /** The request id AWS (or the emulator) returned, when it returned one. */
  requestId?: string;
  at: string;
}

const calls = new AsyncLocalStorage<CloudCall[]>();
const READS = /^(Describe|List|Get|Head|Lookup)/;

interface MiddlewareStack {
  add(mw: unknown, opts: { step: 'initialize'; name: string; override?: boolean }): void;
}

/** Adds the recorder to an SDK v3 client. */
export function recordCloudCalls(client: { middlewareStack: MiddlewareStack }, accountId: string, region: string): void {
  client.middlewareStack.add(
    (next: (a: unknown) => Promise<{ output?: { $metadata?: { requestId?: string } } }>, context: { clientName?: string; commandName?: string }) =>
      async (args: unknown) => {
        const out = await next(args);
        const list = calls.getStore();
        const operation = (context.commandName ?? '').replace(/Command$/, '');
        if (list && operation && !READS.test(operation)) {
          list.push({ service: (context.clientName ?? '').replace(/Client$/, ''), operation, accountId, region, requestId: out.output?.$metadata?.requestId, at: new Date().toISOString() });
        }
        return out;
      },
    { step: 'initialize', name: 'drctlCloudCalls', override: true },
  );
}

/**
 * Wraps activities so each runs with its own call list; an activity that returns an object gets the
 * calls it made as `cloudCalls`.
 */
export function withCloudCalls<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const wrapped: Record<string, (...args: never[]) => Promise<unknown>> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = (...args: never[]) =>
      calls.run([], async () => {
        const result = await fn(...args);
        const made = calls.getStore() ?? [];
        if (made.length && result && typeof result === 'object' && !Array.isArray(result)) return { ...result, cloudCalls: made };
        return result;
      });
  }
  return wrapped as T;
}

/** The calls an activity result carries (see withCloudCalls). */
export function cloudCallsOf(result: unknown): CloudCall[] | undefined {
  return (result as { cloudCalls?: CloudCall[] } | undefined)?.cloudCalls;
}
