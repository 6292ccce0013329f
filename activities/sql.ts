/**
 * Runs a resource's validation checks as real SQL against a restored copy. The password comes from
 * Secrets Manager and lives only in this function's memory: never in results, logs or errors.
 */
import { Client } from 'pg';
import { durationMs, evaluateExpectation, type ValidationCheck } from '../runbooks';

export interface DbTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
}

export interface CheckResult {
  name: string;
  sql: string;
  passed: boolean;
  /** First column of the first row, as text. */
  value: string | null;
  detail: string;
  durationMs: number;
  freshness?: boolean;
}

export async function runChecks(db: DbTarget, checks: ValidationCheck[]): Promise<CheckResult[]> {
  const client = new Client({ host: db.host, port: db.port, database: db.database, user: db.user, password: db.password, connectionTimeoutMillis: 10_000, application_name: 'drctl-validate' });
  await client.connect().catch((err: Error) => {
    throw new Error(`cannot connect to ${db.host}:${db.port}/${db.database} as ${db.user}: ${redact(err.message, db.password)}`);
  });
  try {
    // Read-only: a validation must never change the copy it proves.
    await client.query('set session characteristics as transaction read only');
    const results: CheckResult[] = [];
    for (const check of checks) {
      const started = Date.now();
      try {
        await client.query(`set statement_timeout = ${check.timeout ? durationMs(check.timeout) : 60_000}`);
        const res = await client.query({ text: check.sql, rowMode: 'array' });
        const raw = res.rows[0]?.[0] ?? null;
        const value = raw === null ? null : raw instanceof Date ? raw.toISOString() : String(raw);
        if (check.freshness) {
          const ok = value !== null && Number.isFinite(Date.parse(value));
          results.push({ name: check.name, sql: check.sql, passed: ok, value, freshness: true, durationMs: Date.now() - started, detail: ok ? `newest row committed at ${value}` : `no timestamp returned (got ${value})` });
        } else {
          const outcome = evaluateExpectation(check.expect!, value);
          results.push({ name: check.name, sql: check.sql, passed: outcome.passed, value, durationMs: Date.now() - started, detail: outcome.detail });
        }
      } catch (err) {
        results.push({ name: check.name, sql: check.sql, passed: false, value: null, durationMs: Date.now() - started, detail: `query failed: ${redact((err as Error).message, db.password)}` });
      }
    }
    return results;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redact(text: string, secret: string): string {
  return secret ? text.split(secret).join('***') : text;
}
