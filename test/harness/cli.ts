/** Runs the real `drctl` CLI against the test sandbox, on a test's own task-queue prefix. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { sandboxState } from './sandbox';

export const DRCTL = join(__dirname, '..', '..', 'bin', 'drctl.js');

export function cliEnv(prefix: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DRCTL_SANDBOX_DIR: sandboxState().dir, DRCTL_TASK_QUEUE_PREFIX: prefix, DRCTL_OPERATOR: 'jest-operator' };
  delete env.TEMPORAL_ADDRESS;
  return env;
}

export function drctl(prefix: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [DRCTL, ...args], { encoding: 'utf8', env: cliEnv(prefix), timeout: 180_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A `drctl worker` process serving the given accounts (and workflows) for the prefix. */
export function spawnWorker(prefix: string, accountIds: readonly string[]): ChildProcess {
  return spawn(process.execPath, [DRCTL, 'worker', '--accounts', accountIds.join(',')], { env: cliEnv(prefix), stdio: ['ignore', 'ignore', 'pipe'] });
}
