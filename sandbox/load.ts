/**
 * The sandbox's write load: a small loop that commits a row every `intervalMs` into each production
 * database (the ledger a balanced pair of journal entries), so data-level RPO and freshness checks
 * see a live platform. It runs as its own detached process (`startLoad`, pid in state.load) and
 * stops by itself when the sandbox goes down (its state file disappears or names other servers),
 * after `maxDurationMs`, or on SIGTERM/SIGINT.
 *
 *   node -r tsx/cjs sandbox/load.ts --state <dir>/state.json [--interval 500] [--max-duration 14400000]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { Client as PgClient } from 'pg';
import { ACCOUNTS, REGIONS, assumedConfig } from './aws';
import { INSTANCES, insertRows, pgTargetOf, type PgTarget } from './seed';
import { isAlive, spawnDetached, waitUntil } from './processes';
import type { SandboxState } from './state';

export const DEFAULT_INTERVAL_MS = 500;
export const DEFAULT_MAX_DURATION_MS = 4 * 60 * 60 * 1000;
/** Give up when no database answered for this long. */
const UNREACHABLE_LIMIT_MS = 60_000;

export interface RunLoadOptions {
  intervalMs?: number;
  maxDurationMs?: number;
  /** State file to watch: the loop ends when it is gone or describes another sandbox. */
  statePath?: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Called after every round with the running totals. */
  onTick?: (inserted: Record<string, number>) => void;
}

export interface LoadResult {
  /** Rows committed per instance (the ledger counts entries: two rows each). */
  inserted: Record<string, number>;
  errors: number;
  stoppedBecause: 'max-duration' | 'sandbox-down' | 'aborted' | 'unreachable';
}

type Kind = keyof typeof INSTANCES;

/** Where each production database is, as the extension answers DescribeDBInstances. */
export async function resolveTargets(state: SandboxState): Promise<Partial<Record<Kind, PgTarget>>> {
  const rds = new RDSClient(await assumedConfig(state, ACCOUNTS.production, REGIONS.primary));
  try {
    const out: Partial<Record<Kind, PgTarget>> = {};
    for (const kind of Object.keys(INSTANCES) as Kind[]) {
      try {
        const res = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: INSTANCES[kind] }));
        const db = res.DBInstances?.[0];
        if (db?.DBName) out[kind] = pgTargetOf(state, db);
      } catch {
        /* not seeded (yet) */
      }
    }
    return out;
  } finally {
    rds.destroy();
  }
}

function sameSandbox(statePath: string, state: SandboxState): boolean {
  try {
    const now = JSON.parse(fs.readFileSync(statePath, 'utf8')) as SandboxState;
    return now.moto.pid === state.moto.pid && now.postgres.pid === state.postgres.pid;
  } catch {
    return false;
  }
}

/** The loop itself (in this process). Resolves when it stops. */
export async function runLoad(state: SandboxState, opts: RunLoadOptions = {}): Promise<LoadResult> {
  const intervalMs = opts.intervalMs ?? DEFAULT_INTERVAL_MS;
  const deadline = Date.now() + (opts.maxDurationMs ?? DEFAULT_MAX_DURATION_MS);
  const log = opts.log ?? (() => undefined);
  const inserted: Record<string, number> = {};
  const clients = new Map<Kind, PgClient>();
  let targets: Partial<Record<Kind, PgTarget>> = {};
  let errors = 0;
  let lastSuccess = Date.now();
  let lastResolve = 0;
  let stoppedBecause: LoadResult['stoppedBecause'] = 'max-duration';

  const drop = async (kind: Kind) => {
    const c = clients.get(kind);
    clients.delete(kind);
    await c?.end().catch(() => undefined);
  };

  try {
    for (;;) {
      if (opts.signal?.aborted) {
        stoppedBecause = 'aborted';
        break;
      }
      if (Date.now() >= deadline) {
        stoppedBecause = 'max-duration';
        break;
      }
      if (opts.statePath && !sameSandbox(opts.statePath, state)) {
        stoppedBecause = 'sandbox-down';
        break;
      }
      if (!isAlive(state.postgres.pid) && Date.now() - lastSuccess > UNREACHABLE_LIMIT_MS) {
        stoppedBecause = 'unreachable';
        break;
      }
      const tick = Date.now();
      // Re-resolve now and then: a drill may replace an instance's database.
      if (Object.keys(targets).length < 3 || tick - lastResolve > 30_000) {
        try {
          const next = await resolveTargets(state);
          for (const kind of Object.keys(next) as Kind[]) {
            if (targets[kind]?.database !== next[kind]?.database) await drop(kind);
          }
          targets = next;
          lastResolve = tick;
        } catch (e) {
          errors++;
          log(`load: resolving instances failed: ${(e as Error).message}`);
        }
      }
      await Promise.all(
        (Object.keys(targets) as Kind[]).map(async (kind) => {
          try {
            let c = clients.get(kind);
            if (!c) {
              c = new PgClient({ ...targets[kind]!, connectionTimeoutMillis: 3000 });
              c.on('error', () => void drop(kind));
              await c.connect();
              clients.set(kind, c);
            }
            await insertRows(c, kind, 1, 'load');
            inserted[INSTANCES[kind]] = (inserted[INSTANCES[kind]] ?? 0) + 1;
            lastSuccess = Date.now();
          } catch (e) {
            errors++;
            if (errors <= 5 || errors % 100 === 0) log(`load: ${INSTANCES[kind]}: ${(e as Error).message}`);
            await drop(kind);
          }
        }),
      );
      opts.onTick?.(inserted);
      if (Date.now() - lastSuccess > UNREACHABLE_LIMIT_MS) {
        stoppedBecause = 'unreachable';
        break;
      }
      const wait = Math.max(0, intervalMs - (Date.now() - tick));
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        opts.signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
    }
  } finally {
    for (const kind of [...clients.keys()]) await drop(kind);
  }
  return { inserted, errors, stoppedBecause };
}

/**
 * Starts the loop as a detached process of its own and returns the state with `load` set (the
 * caller writes it). Waits until the process has committed its first rows.
 */
export async function startLoad(
  state: SandboxState,
  opts: { intervalMs?: number; maxDurationMs?: number } = {},
): Promise<SandboxState> {
  const intervalMs = opts.intervalMs ?? DEFAULT_INTERVAL_MS;
  const statePath = path.join(state.dir, 'state.json');
  const script = path.join(__dirname, 'load.ts');
  const readyFile = path.join(state.dir, 'load.ready');
  fs.rmSync(readyFile, { force: true });
  const proc = spawnDetached({
    name: 'load',
    command: process.execPath,
    args: [
      '--require', require.resolve('tsx/cjs'), script,
      '--state', statePath,
      '--interval', String(intervalMs),
      '--max-duration', String(opts.maxDurationMs ?? DEFAULT_MAX_DURATION_MS),
      '--ready-file', readyFile,
    ],
    logDir: path.join(state.dir, 'logs'),
    cwd: path.resolve(__dirname, '..'),
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  await waitUntil(async () => fs.existsSync(readyFile), {
    name: 'write load', pid: proc.pid, logs: [proc.stderrLog, proc.stdoutLog], timeoutMs: 30000,
  });
  return { ...state, load: { pid: proc.pid, intervalMs } };
}

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<void> {
  const statePath = arg(argv, '--state');
  if (!statePath) throw new Error('usage: load.ts --state <state.json> [--interval ms] [--max-duration ms]');
  const state = JSON.parse(fs.readFileSync(statePath, 'utf8')) as SandboxState;
  const readyFile = arg(argv, '--ready-file');
  const controller = new AbortController();
  process.on('SIGTERM', () => controller.abort());
  process.on('SIGINT', () => controller.abort());
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  log(`load: started (pid ${process.pid})`);
  const result = await runLoad(state, {
    intervalMs: Number(arg(argv, '--interval') ?? DEFAULT_INTERVAL_MS),
    maxDurationMs: Number(arg(argv, '--max-duration') ?? DEFAULT_MAX_DURATION_MS),
    statePath,
    signal: controller.signal,
    log,
    onTick: (inserted) => {
      if (readyFile && Object.keys(inserted).length > 0 && !fs.existsSync(readyFile)) fs.writeFileSync(readyFile, `${process.pid}\n`);
    },
  });
  if (readyFile) fs.rmSync(readyFile, { force: true });
  log(`load: stopped (${result.stoppedBecause}); inserted ${JSON.stringify(result.inserted)}; ${result.errors} errors`);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
}
