/**
 * What integration tests use to reach the test sandbox that globalSetup started: its state, AWS SDK
 * v3 client config acting in an account (STS AssumeRole against moto), unique resource names.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client as PgClient } from 'pg';
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

/** Runs SQL as the sandbox's PostgreSQL superuser in `database` (an RDS instance's DBName). */
export async function pgQuery<T extends Record<string, unknown>>(database: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const { postgres } = sandboxState();
  const client = new PgClient({ host: postgres.host, port: postgres.port, user: postgres.user, password: postgres.password, database });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Polls `fn` every 100 ms until it returns a value; errors from `fn` fail at once. */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
