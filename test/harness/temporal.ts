/**
 * Temporal pieces for integration tests: one workflow bundle per jest worker process, workers on a
 * task-queue prefix that only the calling test uses, a client, and the runbook helpers tests share.
 */
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadRunbookFile, type Runbook } from '../../runbooks';
import { startWorkers, type RunningWorkers } from '../../worker/worker';
import { sandboxState } from './sandbox';

export const ACCOUNT_IDS = { production: '111111111111', recovery: '222222222222', restoreTest: '333333333333', evidence: '444444444444' } as const;
export const ALL_ACCOUNTS = Object.values(ACCOUNT_IDS);

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } });
  return bundle;
}

/** A task-queue prefix no other test uses. */
export function queuePrefix(name: string): string {
  return `t-${name}-${randomBytes(3).toString('hex')}`;
}

export async function startTestWorkers(prefix: string, accountIds: readonly string[] = ALL_ACCOUNTS, serveWorkflows = true): Promise<RunningWorkers> {
  const s = sandboxState();
  return startWorkers({
    config: { address: s.temporal.address, namespace: s.temporal.namespace, queuePrefix: prefix, accountIds: [...accountIds], serveWorkflows, awsEndpoint: s.moto.endpoint },
    awsCredentials: { accessKeyId: s.aws.accessKeyId, secretAccessKey: s.aws.secretAccessKey },
    workflowBundle: await workflowBundle(),
  });
}

export async function testClient(): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address: sandboxState().temporal.address });
  return { client: new Client({ connection, namespace: sandboxState().temporal.namespace, identity: 'jest' }), close: () => connection.close() };
}

export const DEMO_RUNBOOK_FILE = join(__dirname, '..', '..', 'runbooks', 'examples', 'sandbox-demo.yaml');

/** The demo runbook, optionally changed for one test, with the hash of what the test really runs. */
export function demoRunbook(change?: (rb: Runbook) => void): { runbook: Runbook; runbookSha256: string } {
  const runbook = structuredClone(loadRunbookFile(DEMO_RUNBOOK_FILE).runbook);
  change?.(runbook);
  return { runbook, runbookSha256: createHash('sha256').update(JSON.stringify(runbook)).digest('hex') };
}

/** Polls `probe` until it returns a value, for at most `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
