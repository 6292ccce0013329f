/** Jest globalTeardown of the integration project: the test sandbox goes down, nothing keeps running. */
import * as fs from 'node:fs';
import { down } from '../../sandbox/sandbox';
import { ACTIVE_DIR_ENV, TEST_SANDBOX_DIR, TEST_SANDBOX_LOCK } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const dir = process.env[ACTIVE_DIR_ENV] ?? TEST_SANDBOX_DIR;
  const releaseLock = () => {
    try {
      if (Number(fs.readFileSync(TEST_SANDBOX_LOCK, 'utf8').trim()) === process.pid) fs.rmSync(TEST_SANDBOX_LOCK, { force: true });
    } catch {
      /* no lock */
    }
  };
  if (process.env.DRCTL_KEEP_TEST_SANDBOX === '1') {
    process.stderr.write(`[test sandbox] kept running in ${dir} (DRCTL_KEEP_TEST_SANDBOX=1)\n`);
    return;
  }
  try {
    const result = await down(dir);
    process.stderr.write(`[test sandbox] ${result.summary.join('; ')}\n`);
    if (result.stopped.some((s) => !s.gone)) throw new Error(result.summary.join('; '));
  } finally {
    // A per-run folder (another run held the shared one) is removed; the shared one stays for its logs.
    if (dir !== TEST_SANDBOX_DIR && !process.env.DRCTL_TEST_SANDBOX_DIR) fs.rmSync(dir, { recursive: true, force: true });
    releaseLock();
  }
}
