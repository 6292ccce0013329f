/**
 * What integration tests use to reach the test sandbox that globalSetup started: its state, AWS SDK
 * v3 client config acting in an account (STS AssumeRole against moto), unique resource names.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assumedConfig, type AwsCredentials } from '../../sandbox/aws';
import type { SeedResources } from '../../sandbox/seed';
import type { SandboxState } from '../../sandbox/state';

export const STATE_ENV = 'DRCTL_SANDBOX_STATE';

let cached: { file: string; mtimeMs: number; state: SandboxState } | undefined;

/** The running test sandbox (from the file named by DRCTL_SANDBOX_STATE). */
export function sandboxState(): SandboxState {
  const file = process.env[STATE_ENV];
  if (!file) throw new Error(`${STATE_ENV} is not set: run integration tests through jest's integration project`);
  const mtimeMs = fs.statSync(file).mtimeMs;
  if (!cached || cached.file !== file || cached.mtimeMs !== mtimeMs) {
    cached = { file, mtimeMs, state: JSON.parse(fs.readFileSync(file, 'utf8')) as SandboxState };
  }
  return cached.state;
}

/** Ids and ARNs of what the seed created (written next to the state file). */
export function seedResources(): SeedResources {
  return JSON.parse(fs.readFileSync(path.join(sandboxState().dir, 'seed.json'), 'utf8')) as SeedResources;
}

/** SDK v3 client config acting in `accountId` (role from the demo runbook), retries kept low. */
export async function awsConfig(
  accountId: string,
  region: string,
): Promise<{ region: string; endpoint: string; credentials: AwsCredentials; maxAttempts: 2 }> {
  const cfg = await assumedConfig(sandboxState(), accountId, region, { maxAttempts: 2, sessionName: 'drctl-test' });
  return { region: cfg.region, endpoint: cfg.endpoint, credentials: cfg.credentials, maxAttempts: 2 };
}

/** A name no other test (or test run) uses: `<prefix>-<random hex>`, lowercase, RDS-safe. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`.toLowerCase();
}
