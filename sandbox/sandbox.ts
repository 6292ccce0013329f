/**
 * The local sandbox: a Temporal dev server, PostgreSQL and moto (with the drctl extension) on
 * loopback, each a detached process whose pid, address and logs live in one folder, plus a drctl
 * worker serving the default task queues. `up` starts (or reuses) them and seeds the demo platform,
 * `down` stops all of them, `status` asks each one.
 *
 * Functions return summaries for the CLI to print; progress goes to an optional `log` callback.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { workflowQueue } from '../workflows/queues';
import { ACCOUNTS } from './aws';
import { startLoad } from './load';
import { seed, type SeedSummary } from './seed';
import { DEFAULT_SANDBOX_DIR, type SandboxState } from './state';
import {
  LOOPBACK,
  belongsTo,
  freePorts,
  isAlive,
  motoReady,
  postgresReady,
  spawnDetached,
  stopProcess,
  temporalReady,
  waitUntil,
} from './processes';

/** Repository root, from this file's location (never the caller's cwd). */
export const REPO_ROOT = path.resolve(__dirname, '..');
export const TOOLS_DIR = process.env.DRCTL_TOOLS_DIR ?? path.join(REPO_ROOT, '.drctl', 'tools');

/** Fixed dummy credentials of the orchestrator's home account in moto (not a secret). */
export const HOME_CREDENTIALS = {
  accessKeyId: 'AKIAIOSFODNN7DRCTLSB',
  secretAccessKey: 'drctl-sandbox-not-a-secret-0000000000000',
  homeAccountId: '123456789012',
} as const;

export const PG_SUPERUSER = 'drctl';
const STATE_FILE = 'state.json';
/** Pids written as soon as each server is spawned, so a failed `up` can still be cleaned up. */
const PIDS_FILE = 'pids.json';
/** The PostgreSQL superuser's password, generated at first initdb; outlives `down`. */
const PG_CREDENTIALS_FILE = 'pg-superuser.json';
/** Ids and ARNs of what the seed created (SeedResources). */
export const SEED_FILE = 'seed.json';

export type Log = (line: string) => void;
const quiet: Log = () => undefined;

export interface UpOptions {
  /** Sandbox folder; default `.drctl/sandbox` under the repository root. */
  dir?: string;
  /** Fixed ports; any left out are picked free on 127.0.0.1. */
  ports?: { temporal?: number; moto?: number; postgres?: number };
  /** Scale of simulated long-running operations (1 = a few seconds each). Default 1. */
  timeScale?: number;
  /** Seed the demo platform (default true). */
  seed?: boolean;
  /** Start the write load as well (default false). */
  load?: boolean | LoadOptions;
  /** Run sandbox/install-tools.sh first (default true). */
  installTools?: boolean;
  /**
   * Run a drctl worker for the default task queues (default true); on a running sandbox, restart
   * it when it died or the code changed since it started.
   */
  worker?: boolean;
  log?: Log;
}

export interface LoadOptions {
  intervalMs?: number;
  /** Stop by itself after this long (default 4 h). */
  maxDurationMs?: number;
}

export interface UpResult {
  state: SandboxState;
  statePath: string;
  /** True when a running sandbox was found and reused. */
  reused: boolean;
  seed?: SeedSummary;
  /** Lines for the operator. */
  summary: string[];
}

export interface ServerStatus {
  name: 'temporal' | 'postgres' | 'moto' | 'load' | 'worker';
  address: string;
  pid: number;
  running: boolean;
  answering: boolean;
  detail?: string;
}

export interface StatusResult {
  dir: string;
  statePath: string;
  state?: SandboxState;
  /** Every server runs and answers. */
  up: boolean;
  servers: ServerStatus[];
  summary: string[];
}

export interface DownResult {
  dir: string;
  stopped: { name: string; pid: number; gone: boolean }[];
  summary: string[];
}

export function resolveDir(dir?: string): string {
  return dir ? path.resolve(dir) : path.join(REPO_ROOT, DEFAULT_SANDBOX_DIR);
}

export function statePathOf(dir?: string): string {
  return path.join(resolveDir(dir), STATE_FILE);
}

export function readState(dir?: string): SandboxState | undefined {
  try {
    return JSON.parse(fs.readFileSync(statePathOf(dir), 'utf8')) as SandboxState;
  } catch {
    return undefined;
  }
}

export function writeState(state: SandboxState): void {
  const file = path.join(state.dir, STATE_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}

type Pids = Record<string, number>;
function readPids(dir: string): Pids {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, PIDS_FILE), 'utf8')) as Pids;
  } catch {
    return {};
  }
}
function recordPid(dir: string, name: string, pid: number | undefined): void {
  const pids = readPids(dir);
  if (pid) pids[name] = pid;
  else delete pids[name];
  fs.writeFileSync(path.join(dir, PIDS_FILE), JSON.stringify(pids) + '\n');
}

/** Paths of the installed tools. */
export function tools(): { temporal: string; python: string; pgBin: string } {
  const pgBinFile = path.join(TOOLS_DIR, 'pgbin');
  const pgBin = fs.existsSync(pgBinFile) ? fs.readFileSync(pgBinFile, 'utf8').trim() : '';
  return {
    temporal: path.join(TOOLS_DIR, 'temporal'),
    python: path.join(TOOLS_DIR, 'venv', 'bin', 'python'),
    pgBin,
  };
}

/** Runs the idempotent tools installer; its output goes to the log callback. */
export function installTools(log: Log = quiet): void {
  const script = path.join(REPO_ROOT, 'sandbox', 'install-tools.sh');
  const res = spawnSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  for (const line of `${res.stdout ?? ''}${res.stderr ?? ''}`.split('\n')) if (line.trim()) log(line);
  if (res.status !== 0) throw new Error(`sandbox/install-tools.sh failed (exit ${res.status})`);
}

/** uid/gid to run PostgreSQL as: the `postgres` user when we are root, else ourselves. */
function postgresUser(): { uid?: number; gid?: number } {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('no postgres user (sandbox/install-tools.sh creates it)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function chownIfNeeded(target: string, owner: { uid?: number; gid?: number }): void {
  if (owner.uid !== undefined && owner.gid !== undefined) fs.chownSync(target, owner.uid, owner.gid);
}

/** initdb once into <dir>/pg, with a random superuser password kept next to it. */
function ensurePostgresInitialised(dir: string, pgBin: string, log: Log): { user: string; password: string; dataDir: string } {
  const dataDir = path.join(dir, 'pg');
  const credsFile = path.join(dir, PG_CREDENTIALS_FILE);
  const owner = postgresUser();
  if (fs.existsSync(path.join(dataDir, 'PG_VERSION')) && fs.existsSync(credsFile)) {
    const creds = JSON.parse(fs.readFileSync(credsFile, 'utf8')) as { user: string; password: string };
    return { ...creds, dataDir };
  }
  log(`postgres: initdb into ${dataDir}`);
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chownIfNeeded(dataDir, owner);
  const password = randomBytes(18).toString('base64url');
  const pwFile = path.join(dir, `.pg-pw-${process.pid}`);
  fs.writeFileSync(pwFile, password + '\n', { mode: 0o600 });
  chownIfNeeded(pwFile, owner);
  try {
    const res = spawnSync(
      path.join(pgBin, 'initdb'),
      [
        '-D', dataDir, '-U', PG_SUPERUSER, `--pwfile=${pwFile}`, '--auth=scram-sha-256',
        '--encoding=UTF8', '--locale=C', '--no-instructions',
      ],
      { encoding: 'utf8', uid: owner.uid, gid: owner.gid, cwd: dataDir },
    );
    if (res.status !== 0) throw new Error(`initdb failed: ${res.stderr || res.stdout || res.error?.message}`);
  } finally {
    fs.rmSync(pwFile, { force: true });
  }
  // Loopback only: no other host may connect, and every connection needs the password.
  fs.writeFileSync(
    path.join(dataDir, 'pg_hba.conf'),
    [
      '# drctl sandbox: loopback only, scram passwords',
      'local all all scram-sha-256',
      'host all all 127.0.0.1/32 scram-sha-256',
      '',
    ].join('\n'),
  );
  chownIfNeeded(path.join(dataDir, 'pg_hba.conf'), owner);
  fs.writeFileSync(credsFile, JSON.stringify({ user: PG_SUPERUSER, password }) + '\n', { mode: 0o600 });
  return { user: PG_SUPERUSER, password, dataDir };
}

/** Does every server of this state answer? (The load and the worker are restarted on their own.) */
async function allAnswer(state: SandboxState): Promise<boolean> {
  const statuses = await checkServers(state);
  return statuses.every((s) => s.name === 'load' || s.name === 'worker' || (s.running && s.answering));
}

async function safely(check: () => Promise<boolean>): Promise<{ ok: boolean; detail?: string }> {
  try {
    return { ok: await check() };
  } catch (e) {
    return { ok: false, detail: e instanceof Error ? e.message.split('\n')[0] : String(e) };
  }
}

async function checkServers(state: SandboxState): Promise<ServerStatus[]> {
  const { pgBin } = tools();
  const [t, p, m] = await Promise.all([
    safely(() => temporalReady(state.temporal.address, state.temporal.namespace)),
    safely(() =>
      postgresReady({
        host: state.postgres.host, port: state.postgres.port, pgBin: pgBin || undefined,
        user: state.postgres.user, password: state.postgres.password,
      }),
    ),
    safely(() => motoReady(state.moto.endpoint)),
  ]);
  const servers: ServerStatus[] = [
    { name: 'temporal', address: state.temporal.address, pid: state.temporal.pid, running: isAlive(state.temporal.pid) && belongsTo(state.temporal.pid, state.dir), answering: t.ok, detail: t.detail },
    { name: 'postgres', address: `${state.postgres.host}:${state.postgres.port}`, pid: state.postgres.pid, running: isAlive(state.postgres.pid) && belongsTo(state.postgres.pid, state.dir), answering: p.ok, detail: p.detail },
    { name: 'moto', address: state.moto.endpoint, pid: state.moto.pid, running: isAlive(state.moto.pid) && belongsTo(state.moto.pid, state.dir), answering: m.ok, detail: m.detail },
  ];
  if (state.load) {
    const running = isAlive(state.load.pid) && belongsTo(state.load.pid, state.dir);
    servers.push({ name: 'load', address: `every ${state.load.intervalMs} ms`, pid: state.load.pid, running, answering: running });
  }
  if (state.worker) {
    const worker = state.worker;
    const running = isAlive(worker.pid) && belongsTo(worker.pid, state.dir);
    const polls = running && t.ok ? await safely(() => workerPolls(state, worker)) : { ok: false };
    const detail = polls.detail ?? (running && t.ok && !polls.ok ? 'not polling every queue' : undefined);
    servers.push({ name: 'worker', address: `${worker.queues.length} task queues`, pid: worker.pid, running, answering: polls.ok, detail });
  }
  return servers;
}

/** Accounts whose activities the sandbox worker runs: every account of the demo platform. */
const WORKER_ACCOUNTS: string[] = Object.values(ACCOUNTS);
const WORKER_LOG = 'worker.log';
/** What `drctl worker` prints to stderr once its workers poll. */
const WORKER_READY = /^drctl worker: \S+ serving (.+)$/m;
/** Settings that would point the worker at another cluster or other queues than this sandbox's. */
const WORKER_ENV_DROPPED = ['DRCTL_TASK_QUEUE_PREFIX', 'DRCTL_ACCOUNT_IDS', 'DRCTL_SERVE_WORKFLOWS', 'DRCTL_AWS_ENDPOINT'];
/** What the worker process loads; a change to any of it means a running worker is stale. */
const CODE_DIRS = ['activities', 'bin', 'cli', 'runbooks', 'sandbox', 'workflows', 'worker'];
const CODE_FILES = ['package-lock.json', 'tsconfig.json'];

/**
 * A cheap fingerprint of the worker's source (path, size and mtime of every .ts/.js/.json file),
 * so `up` notices that a running worker was started from older code.
 */
export function codeFingerprint(root: string = REPO_ROOT): string {
  const hash = createHash('sha256');
  const add = (rel: string) => {
    try {
      const st = fs.statSync(path.join(root, rel));
      hash.update(`${rel}\0${st.size}\0${st.mtimeMs}\n`);
    } catch {
      hash.update(`${rel}\0missing\n`);
    }
  };
  const walk = (rel: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const child = path.join(rel, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && !e.name.startsWith('.')) walk(child);
      } else if (/\.(ts|js|cjs|mjs|json)$/.test(e.name)) {
        add(child);
      }
    }
  };
  for (const d of CODE_DIRS) walk(d);
  for (const f of CODE_FILES) add(f);
  return hash.digest('hex').slice(0, 16);
}

/** The environment of the sandbox worker: ours, minus anything that points it elsewhere. */
function workerEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('TEMPORAL_') && !WORKER_ENV_DROPPED.includes(k)) env[k] = v;
  }
  env.DRCTL_SANDBOX_DIR = dir;
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return env;
}

function readFrom(file: string, offset: number): string {
  try {
    return fs.readFileSync(file).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}

/**
 * Starts `drctl worker` for every demo account against the sandbox in `state.dir` (found through
 * DRCTL_SANDBOX_DIR, never TEMPORAL_ADDRESS), detached, output to `<dir>/logs/worker.log`, and
 * waits until it says it serves its queues.
 */
async function startWorker(state: SandboxState, log: Log): Promise<SandboxState> {
  const dir = state.dir;
  // A worker whose pid was recorded but never made it into the state (an `up` that died).
  const orphan = readPids(dir).worker;
  if (orphan && isAlive(orphan) && belongsTo(orphan, dir)) await stopProcess(orphan);
  recordPid(dir, 'worker', undefined);

  const logDir = path.join(dir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, WORKER_LOG);
  const code = codeFingerprint();
  const args = [path.join(REPO_ROOT, 'bin', 'drctl.js'), 'worker', '--accounts', WORKER_ACCOUNTS.join(',')];
  const fd = fs.openSync(logFile, 'a');
  let from: number;
  let pid: number | undefined;
  try {
    fs.writeSync(fd, `\n--- ${new Date().toISOString()} node ${args.join(' ')}\n`);
    from = fs.fstatSync(fd).size;
    const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', fd, fd], env: workerEnv(dir), cwd: REPO_ROOT });
    child.on('error', (e) => {
      try {
        fs.appendFileSync(logFile, `spawn error: ${e.message}\n`);
      } catch {
        /* log dir gone */
      }
    });
    child.unref();
    pid = child.pid;
  } finally {
    fs.closeSync(fd);
  }
  if (!pid) throw new Error(`could not start the worker (${process.execPath} ${args.join(' ')})`);
  recordPid(dir, 'worker', pid);
  log(`worker: starting (pid ${pid}, log ${logFile})`);

  let queues: string[] = [];
  try {
    await waitUntil(
      async () => {
        const m = WORKER_READY.exec(readFrom(logFile, from));
        if (m) queues = m[1].split(',').map((q) => q.trim()).filter(Boolean);
        return !!m;
      },
      { name: 'worker', pid, logs: [logFile], timeoutMs: 120000, intervalMs: 250 },
    );
  } catch (e) {
    await stopProcess(pid);
    recordPid(dir, 'worker', undefined);
    throw e;
  }
  log(`worker: ready, serving ${queues.join(', ')}`);
  const next: SandboxState = { ...state, worker: { pid, queues, code } };
  writeState(next);
  return next;
}

/** Does the worker with this pid poll every one of its queues? (Asked of Temporal.) */
async function workerPolls(state: SandboxState, worker: NonNullable<SandboxState['worker']>): Promise<boolean> {
  const connection = await Connection.connect({ address: state.temporal.address, connectTimeout: 2000 });
  try {
    for (const queue of worker.queues) {
      const res = await connection.workflowService.describeTaskQueue({
        namespace: state.temporal.namespace,
        taskQueue: { name: queue, kind: 1 /* NORMAL */ },
        // The workflow queue has workflow pollers only, an account queue activity pollers only.
        taskQueueType: queue === workflowQueue() ? 1 /* WORKFLOW */ : 2 /* ACTIVITY */,
      });
      // The SDK's default worker identity is `<pid>@<host>`.
      if (!(res.pollers ?? []).some((p) => p.identity?.startsWith(`${worker.pid}@`))) return false;
    }
    return true;
  } finally {
    await connection.close();
  }
}

/** Starts the worker, or restarts it when it died or its code changed; a line for the summary. */
async function ensureWorker(state: SandboxState, log: Log): Promise<{ state: SandboxState; line: string }> {
  const w = state.worker;
  const running = !!w && isAlive(w.pid) && belongsTo(w.pid, state.dir);
  const stale = running && w.code !== codeFingerprint();
  if (w && running && !stale) {
    return { state, line: `worker running (pid ${w.pid}, serving ${w.queues.join(', ')})` };
  }
  let why = '';
  if (w && stale) {
    log(`worker: the code changed since it started; restarting it (pid ${w.pid})`);
    if (!(await stopProcess(w.pid))) throw new Error(`worker pid ${w.pid} did not stop`);
    why = `restarted: the code changed since pid ${w.pid} started`;
  } else if (w) {
    log(`worker: pid ${w.pid} is not running; starting a new one`);
    why = `restarted: pid ${w.pid} was not running`;
  }
  const rest = { ...state };
  delete rest.worker;
  const next = await startWorker(rest, log);
  const nw = next.worker!;
  return { state: next, line: `worker ${why ? `${why}; now pid ${nw.pid}` : `started (pid ${nw.pid})`}, serving ${nw.queues.join(', ')}` };
}

/** Starts the sandbox, or reuses the one already running in `dir`. */
export async function up(opts: UpOptions = {}): Promise<UpResult> {
  const log = opts.log ?? quiet;
  const dir = resolveDir(opts.dir);
  fs.mkdirSync(dir, { recursive: true });
  if (opts.installTools !== false) installTools(log);
  const summary: string[] = [];

  let state = readState(dir);
  let reused = false;
  if (state && (await allAnswer(state))) {
    reused = true;
    log(`sandbox already up in ${dir}; reusing it`);
    summary.push(`sandbox already up in ${dir} (reused)`);
    if (opts.timeScale !== undefined && opts.timeScale !== state.timeScale) {
      await setTimeScale(state, opts.timeScale).catch(() => undefined);
      state.timeScale = opts.timeScale;
      writeState(state);
    }
  } else {
    if (state || Object.keys(readPids(dir)).length) {
      log('sandbox partly up or stale; stopping what is left first');
      const cleaned = await down(dir, { log });
      if (cleaned.stopped.some((s) => !s.gone)) throw new Error(cleaned.summary.join('; '));
    }
    state = await start(dir, opts, log);
    summary.push(`sandbox up in ${dir}`);
  }

  let current: SandboxState = state;
  let seedSummary: UpResult['seed'];
  if (opts.seed !== false) {
    seedSummary = await seed(current, { log });
    // What was seeded (ids and ARNs), for tools and tests that want more than the state.
    fs.writeFileSync(path.join(dir, SEED_FILE), JSON.stringify(seedSummary.resources, null, 2) + '\n');
    summary.push(`seeded in ${(seedSummary.durationMs / 1000).toFixed(1)} s: ${seedSummary.lines.join('; ')}`);
  }

  if (opts.load) {
    const loadOpts = typeof opts.load === 'object' ? opts.load : {};
    if (!current.load || !isAlive(current.load.pid)) {
      current = await startLoad(current, loadOpts);
      writeState(current);
      recordPid(dir, 'load', current.load?.pid);
    }
    summary.push(`write load running (pid ${current.load?.pid}, every ${current.load?.intervalMs} ms)`);
  }

  if (opts.worker !== false) {
    const w = await ensureWorker(current, log);
    current = w.state;
    summary.push(w.line);
  }

  summary.push(...describeState(current));
  return { state: current, statePath: path.join(dir, STATE_FILE), reused, seed: seedSummary, summary };
}

async function start(dir: string, opts: UpOptions, log: Log): Promise<SandboxState> {
  const t = tools();
  if (!t.pgBin) throw new Error(`no PostgreSQL bin dir recorded in ${TOOLS_DIR}/pgbin; run sandbox/install-tools.sh`);
  const logDir = path.join(dir, 'logs');
  const [pTemporal, pMoto, pPostgres] = await freePorts(3);
  const ports = {
    temporal: opts.ports?.temporal ?? pTemporal,
    moto: opts.ports?.moto ?? pMoto,
    postgres: opts.ports?.postgres ?? pPostgres,
  };
  const timeScale = opts.timeScale ?? 1;
  const pg = ensurePostgresInitialised(dir, t.pgBin, log);
  const owner = postgresUser();
  const started: { name: string; pid: number; signal?: NodeJS.Signals; leaderOnly?: boolean }[] = [];

  try {
    // PostgreSQL: loopback only, its unix socket inside its own data dir.
    log(`postgres: starting on ${LOOPBACK}:${ports.postgres}`);
    const postgres = spawnDetached({
      name: 'postgres',
      command: path.join(t.pgBin, 'postgres'),
      args: [
        '-D', pg.dataDir,
        '-c', `listen_addresses=${LOOPBACK}`,
        '-c', `port=${ports.postgres}`,
        '-c', `unix_socket_directories=${pg.dataDir}`,
        '-c', 'max_connections=200',
        '-c', 'fsync=off',
        '-c', 'synchronous_commit=off',
        '-c', 'full_page_writes=off',
      ],
      logDir,
      cwd: pg.dataDir,
      ...owner,
    });
    started.push({ name: 'postgres', pid: postgres.pid, signal: 'SIGINT', leaderOnly: true });
    recordPid(dir, 'postgres', postgres.pid);

    // Temporal dev server, persisted to a SQLite file so a restart keeps the runs.
    const dbFile = path.join(dir, 'temporal.db');
    const temporalAddress = `${LOOPBACK}:${ports.temporal}`;
    log(`temporal: starting on ${temporalAddress}`);
    const temporal = spawnDetached({
      name: 'temporal',
      command: t.temporal,
      args: [
        'server', 'start-dev', '--headless', '--ip', LOOPBACK, '--port', String(ports.temporal),
        '--db-filename', dbFile, '--log-level', 'warn',
      ],
      logDir,
      cwd: dir,
    });
    started.push({ name: 'temporal', pid: temporal.pid });
    recordPid(dir, 'temporal', temporal.pid);

    await waitUntil(
      () => postgresReady({ host: LOOPBACK, port: ports.postgres, pgBin: t.pgBin, user: pg.user, password: pg.password }),
      { name: 'postgres', pid: postgres.pid, logs: [postgres.stderrLog], timeoutMs: 60000 },
    );
    log('postgres: ready');

    // moto + drctl extension; it maps RDS instances onto databases of the PostgreSQL above.
    const motoEndpoint = `http://${LOOPBACK}:${ports.moto}`;
    log(`moto: starting on ${motoEndpoint}`);
    const moto = spawnDetached({
      name: 'moto',
      command: t.python,
      args: [path.join(REPO_ROOT, 'sandbox', 'moto', 'server.py'), '--host', LOOPBACK, '--port', String(ports.moto)],
      logDir,
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        DRCTL_PG_HOST: LOOPBACK,
        DRCTL_PG_PORT: String(ports.postgres),
        DRCTL_PG_USER: pg.user,
        DRCTL_PG_PASSWORD: pg.password,
        DRCTL_PG_BIN: t.pgBin,
        DRCTL_SANDBOX_DIR: dir,
        DRCTL_TIME_SCALE: String(timeScale),
        PYTHONUNBUFFERED: '1',
      },
    });
    started.push({ name: 'moto', pid: moto.pid });
    recordPid(dir, 'moto', moto.pid);

    await Promise.all([
      waitUntil(() => temporalReady(temporalAddress), {
        name: 'temporal', pid: temporal.pid, logs: [temporal.stderrLog, temporal.stdoutLog], timeoutMs: 90000, intervalMs: 500,
      }).then(() => log('temporal: ready')),
      waitUntil(() => motoReady(motoEndpoint), {
        name: 'moto', pid: moto.pid, logs: [moto.stderrLog, moto.stdoutLog], timeoutMs: 60000,
      }).then(() => log('moto: ready')),
    ]);

    const state: SandboxState = {
      dir,
      startedAt: new Date().toISOString(),
      temporal: { address: temporalAddress, namespace: 'default', pid: temporal.pid, dbFile },
      moto: { endpoint: motoEndpoint, pid: moto.pid },
      postgres: { host: LOOPBACK, port: ports.postgres, user: pg.user, password: pg.password, pid: postgres.pid, dataDir: pg.dataDir },
      timeScale,
      aws: { ...HOME_CREDENTIALS },
    };
    writeState(state);
    return state;
  } catch (e) {
    for (const s of started.reverse()) {
      await stopProcess(s.pid, { signal: s.signal, leaderOnly: s.leaderOnly });
      recordPid(dir, s.name, undefined);
    }
    throw e;
  }
}

/** Stops everything of the sandbox in `dir` (worker, load, moto, Temporal, PostgreSQL) and checks it is gone. */
export async function down(dir?: string, opts: { log?: Log } = {}): Promise<DownResult> {
  const log = opts.log ?? quiet;
  const root = resolveDir(dir);
  const state = readState(root);
  const pids = readPids(root);
  const targets: { name: string; pid: number; signal?: NodeJS.Signals; leaderOnly?: boolean }[] = [];
  const add = (name: string, pid: number | undefined, signal?: NodeJS.Signals, leaderOnly?: boolean) => {
    // Only live processes that are provably this sandbox's (a recorded pid may have been reused).
    if (pid && isAlive(pid) && belongsTo(pid, root) && !targets.some((t) => t.pid === pid)) {
      targets.push({ name, pid, signal, leaderOnly });
    }
  };
  // The worker first, while Temporal is still there for it to shut down cleanly.
  add('worker', state?.worker?.pid);
  add('worker', pids.worker);
  add('load', state?.load?.pid ?? pids.load);
  add('moto', state?.moto.pid);
  add('moto', pids.moto);
  add('temporal', state?.temporal.pid);
  add('temporal', pids.temporal);
  add('postgres', state?.postgres.pid, 'SIGINT', true);
  add('postgres', pids.postgres, 'SIGINT', true);
  // A postmaster whose pid we lost still names itself in its data dir.
  const pmPid = postmasterPid(path.join(root, 'pg'));
  if (pmPid) add('postgres', pmPid, 'SIGINT', true);

  const stopped: DownResult['stopped'] = [];
  for (const t of targets) {
    const wasAlive = isAlive(t.pid);
    const gone = await stopProcess(t.pid, { signal: t.signal, leaderOnly: t.leaderOnly, graceMs: t.name === 'postgres' ? 15000 : 8000 });
    if (wasAlive) {
      log(`${t.name}: ${gone ? 'stopped' : 'STILL RUNNING'} (pid ${t.pid})`);
      stopped.push({ name: t.name, pid: t.pid, gone });
    }
  }
  const left = stopped.filter((s) => !s.gone);
  if (left.length === 0) {
    fs.rmSync(path.join(root, PIDS_FILE), { force: true });
    fs.rmSync(path.join(root, STATE_FILE), { force: true });
    fs.rmSync(path.join(root, 'load.ready'), { force: true });
  }
  const summary =
    left.length > 0
      ? [`sandbox in ${root}: could not stop ${left.map((s) => `${s.name} (pid ${s.pid})`).join(', ')}`]
      : stopped.length > 0
        ? [`sandbox in ${root} is down (${stopped.map((s) => s.name).join(', ')} stopped)`]
        : [`sandbox in ${root} was not running`];
  // The caller decides what a process that would not stop means (the CLI exits non-zero).
  return { dir: root, stopped, summary };
}

function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Asks every server of the sandbox in `dir` whether it answers. */
export async function status(dir?: string): Promise<StatusResult> {
  const root = resolveDir(dir);
  const statePath = path.join(root, STATE_FILE);
  const state = readState(root);
  if (!state) {
    return { dir: root, statePath, up: false, servers: [], summary: [`sandbox in ${root} is not running (no ${STATE_FILE})`] };
  }
  const servers = await checkServers(state);
  const isUp = servers.every((s) => s.name === 'load' || (s.running && s.answering));
  const summary = [`sandbox in ${root} is ${isUp ? 'up' : 'DEGRADED'} (state ${statePath})`];
  for (const s of servers) {
    const health =
      s.name === 'worker' && s.answering ? 'polls' : s.answering ? 'answers' : s.running ? `running but not ${s.name === 'worker' ? 'polling' : 'answering'}` : 'not running';
    summary.push(`  ${s.name.padEnd(9)} ${s.address.padEnd(28)} pid ${String(s.pid).padEnd(8)} ${health}${s.detail ? ` (${s.detail})` : ''}`);
  }
  const worker = servers.find((s) => s.name === 'worker');
  if (worker && !worker.running) summary.push(`  the worker is gone (log ${path.join(root, 'logs', WORKER_LOG)}); \`drctl sandbox up\` restarts it`);
  if (!state.worker) summary.push('  no sandbox worker: runs wait until a `drctl worker` serves the sandbox (`drctl sandbox up` starts one)');
  return { dir: root, statePath, state, up: isUp, servers, summary };
}

/** Starts the write load against a running sandbox (or reports the one already running). */
export async function load(dir?: string, opts: LoadOptions = {}): Promise<{ state: SandboxState; summary: string[] }> {
  const state = readState(dir);
  if (!state) throw new Error(`sandbox in ${resolveDir(dir)} is not running`);
  if (state.load && isAlive(state.load.pid)) {
    return { state, summary: [`write load already running (pid ${state.load.pid})`] };
  }
  const next = await startLoad(state, opts);
  writeState(next);
  recordPid(next.dir, 'load', next.load?.pid);
  return { state: next, summary: [`write load running (pid ${next.load?.pid}, every ${next.load?.intervalMs} ms)`] };
}

/** Stops the write load only. */
export async function stopLoad(dir?: string): Promise<{ summary: string[] }> {
  const state = readState(dir);
  if (!state?.load) return { summary: ['no write load running'] };
  const gone = await stopProcess(state.load.pid);
  const pid = state.load.pid;
  delete state.load;
  writeState(state);
  recordPid(state.dir, 'load', undefined);
  return { summary: [gone ? `write load stopped (pid ${pid})` : `write load pid ${pid} did not stop`] };
}

/** Tells the moto extension the time scale (when it has the control route). */
export async function setTimeScale(state: SandboxState, timeScale: number): Promise<boolean> {
  const res = await fetch(`${state.moto.endpoint}/drctl-sandbox/config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ timeScale }),
    signal: AbortSignal.timeout(5000),
  });
  await res.arrayBuffer();
  return res.ok;
}

/** Reads the extension's time scale; undefined when the extension has no control route. */
export async function getTimeScale(state: SandboxState): Promise<number | undefined> {
  try {
    const res = await fetch(`${state.moto.endpoint}/drctl-sandbox/config`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) {
      await res.arrayBuffer();
      return undefined;
    }
    const body = (await res.json()) as { timeScale?: number };
    return typeof body.timeScale === 'number' ? body.timeScale : undefined;
  } catch {
    return undefined;
  }
}

export function describeState(state: SandboxState): string[] {
  return [
    `  temporal  ${state.temporal.address} (namespace ${state.temporal.namespace}, pid ${state.temporal.pid})`,
    `  moto      ${state.moto.endpoint} (pid ${state.moto.pid})`,
    `  postgres  ${state.postgres.host}:${state.postgres.port} user ${state.postgres.user} (pid ${state.postgres.pid})`,
    ...(state.worker ? [`  worker    ${state.worker.queues.join(', ')} (pid ${state.worker.pid}, log ${path.join(state.dir, 'logs', WORKER_LOG)})`] : []),
    `  state     ${path.join(state.dir, STATE_FILE)}`,
    `  logs      ${path.join(state.dir, 'logs')}`,
  ];
}

