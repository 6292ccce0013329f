/**
 * Jest globalSetup of the integration project: a fresh test sandbox in its own folder
 * (`.drctl/test-sandbox`, never the operator's `.drctl/sandbox`) on free ports, seeded with the
 * demo platform. Workers find it through DRCTL_SANDBOX_STATE.
 *
 * Several people may run the tests in one checkout at once: the run that holds
 * `.drctl/test-sandbox.lock` (a live pid) owns `.drctl/test-sandbox`; another run uses
 * `.drctl/test-sandbox-<pid>` instead of wiping a sandbox that is in use.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isAlive } from '../../sandbox/processes';
import { REPO_ROOT, down, up } from '../../sandbox/sandbox';
import { STATE_ENV } from './sandbox';

export const TEST_SANDBOX_DIR = path.join(REPO_ROOT, '.drctl', 'test-sandbox');
export const TEST_SANDBOX_LOCK = `${TEST_SANDBOX_DIR}.lock`;
/** Tells globalTeardown (same process) which folder this run used. */
export const ACTIVE_DIR_ENV = 'DRCTL_TEST_SANDBOX_ACTIVE_DIR';

function claimDir(): string {
  if (process.env.DRCTL_TEST_SANDBOX_DIR) return path.resolve(process.env.DRCTL_TEST_SANDBOX_DIR);
  fs.mkdirSync(path.dirname(TEST_SANDBOX_LOCK), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(TEST_SANDBOX_LOCK, `${process.pid}\n`, { flag: 'wx' });
      return TEST_SANDBOX_DIR;
    } catch {
      const owner = Number(fs.readFileSync(TEST_SANDBOX_LOCK, 'utf8').trim());
      if (owner && owner !== process.pid && isAlive(owner)) break;
      fs.rmSync(TEST_SANDBOX_LOCK, { force: true }); // left by a run that is gone
    }
  }
  return `${TEST_SANDBOX_DIR}-${process.pid}`;
}

export default async function globalSetup(): Promise<void> {
  const t0 = Date.now();
  const verbose = process.env.DRCTL_TEST_VERBOSE === '1';
  const log = (line: string) => {
    if (verbose) process.stderr.write(`[test sandbox] ${line}\n`);
  };
  const dir = claimDir();
  process.env[ACTIVE_DIR_ENV] = dir;
  // Whatever a previous (crashed) run left in it: stop it, then start from nothing.
  await down(dir, { log }).catch((e: Error) => log(`cleanup: ${e.message}`));
  fs.rmSync(dir, { recursive: true, force: true });
  const timeScale = process.env.DRCTL_TEST_TIME_SCALE ? Number(process.env.DRCTL_TEST_TIME_SCALE) : 1;
  try {
    const result = await up({ dir, seed: true, load: false, worker: false, timeScale, log });
    process.env[STATE_ENV] = result.statePath;
    // Evidence local copies of test runs stay with the test sandbox, not in the operator's .drctl/evidence.
    process.env.DRCTL_EVIDENCE_DIR ??= path.join(dir, 'evidence');
    process.stderr.write(`\n[test sandbox] up and seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${result.statePath}\n`);
  } catch (e) {
    await down(dir).catch(() => undefined);
    throw e;
  }
}
