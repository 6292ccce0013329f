/**
 * Process helpers for the local sandbox: free loopback ports, detached servers whose output goes to
 * log files, readiness checks that ask each server a real question, and stopping a server's whole
 * process group (SIGTERM, then SIGKILL) until nothing of it is left.
 */
import { spawn, execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';

export const LOOPBACK = '127.0.0.1';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A TCP port nobody listens on at the moment (the OS picks it). */
export function freePort(host = LOOPBACK): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** `n` distinct free ports. */
export async function freePorts(n: number, host = LOOPBACK): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort(host));
  return [...ports];
}

/** True when something accepts TCP connections on host:port. */
export function tcpOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface SpawnDetachedOptions {
  /** Short name, used for the log file names `<logDir>/<name>.out.log` and `.err.log`. */
  name: string;
  command: string;
  args: string[];
  logDir: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this user (uid/gid), e.g. postgres, which refuses to run as root. */
  uid?: number;
  gid?: number;
}

export interface SpawnedProcess {
  pid: number;
  stdoutLog: string;
  stderrLog: string;
}

/**
 * Starts a server in its own process group (so stopping it stops its children too), detached from
 * this process: it outlives the CLI that started it. Output is appended to log files.
 */
export function spawnDetached(opts: SpawnDetachedOptions): SpawnedProcess {
  fs.mkdirSync(opts.logDir, { recursive: true });
  const stdoutLog = path.join(opts.logDir, `${opts.name}.out.log`);
  const stderrLog = path.join(opts.logDir, `${opts.name}.err.log`);
  const out = fs.openSync(stdoutLog, 'a');
  const err = fs.openSync(stderrLog, 'a');
  try {
    const stamp = `\n--- ${new Date().toISOString()} ${opts.command} ${opts.args.join(' ')}\n`;
    fs.writeSync(out, stamp);
    fs.writeSync(err, stamp);
    const child = spawn(opts.command, opts.args, {
      detached: true,
      stdio: ['ignore', out, err],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      uid: opts.uid,
      gid: opts.gid,
    });
    // An immediate spawn failure (ENOENT) arrives as an event; the readiness wait reports it.
    child.on('error', (e) => {
      try {
        fs.appendFileSync(stderrLog, `spawn error: ${e.message}\n`);
      } catch {
        /* log dir gone */
      }
    });
    if (!child.pid) throw new Error(`could not start ${opts.name} (${opts.command})`);
    child.unref();
    return { pid: child.pid, stdoutLog, stderrLog };
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
  }
}

/** `/proc/<pid>/stat` fields we need: state, parent and process group. Undefined when the pid is gone. */
function procStat(pid: number): { state: string; ppid: number; pgrp: number } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S ppid pgrp ...": comm may hold spaces and parentheses, so cut at the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0], ppid: Number(rest[1]), pgrp: Number(rest[2]) };
  } catch {
    return undefined;
  }
}

function allProcs(): { pid: number; state: string; ppid: number; pgrp: number }[] {
  const out: { pid: number; state: string; ppid: number; pgrp: number }[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const st = procStat(Number(entry));
    if (st && st.state !== 'Z' && st.state !== 'X') out.push({ pid: Number(entry), ...st });
  }
  return out;
}

const hasProc = fs.existsSync('/proc/self/stat');

/** True while the process exists and is not a zombie waiting to be reaped. */
export function isAlive(pid: number | undefined): boolean {
  if (!pid || pid <= 0) return false;
  if (hasProc) {
    const st = procStat(pid);
    return !!st && st.state !== 'Z' && st.state !== 'X';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Live (non-zombie) members of a process group. */
export function groupMembers(pgid: number): number[] {
  if (!hasProc) return isAlive(pgid) ? [pgid] : [];
  return allProcs().filter((p) => p.pgrp === pgid).map((p) => p.pid);
}

/**
 * A server and everything it started: its process group plus all descendants (PostgreSQL's
 * children call setsid(), so they are not in the postmaster's group).
 */
export function processTree(pid: number): number[] {
  if (!hasProc) return isAlive(pid) ? [pid] : [];
  const procs = allProcs();
  const tree = new Set<number>();
  if (procs.some((p) => p.pid === pid)) tree.add(pid);
  for (const p of procs) if (p.pgrp === pid) tree.add(p.pid);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of procs) {
      if (!tree.has(p.pid) && tree.has(p.ppid)) {
        tree.add(p.pid);
        grew = true;
      }
    }
  }
  return [...tree];
}

/** Which of these pids still run. */
function stillThere(pids: number[]): number[] {
  return pids.filter((p) => isAlive(p));
}

function signal(pid: number, sig: NodeJS.Signals, group: boolean): void {
  try {
    process.kill(group ? -pid : pid, sig);
  } catch {
    if (group) {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  }
}

export interface StopOptions {
  /** First signal; postgres wants SIGINT (fast shutdown), the others SIGTERM. */
  signal?: NodeJS.Signals;
  /** Send the first signal to the leader only (postgres' postmaster stops its own children). */
  leaderOnly?: boolean;
  graceMs?: number;
}

/**
 * Stops a process started by spawnDetached: signal, wait up to graceMs, then SIGKILL the group,
 * and verify nothing of it is left. Resolves to true when it is gone (or was never there).
 */
export async function stopProcess(pid: number | undefined, opts: StopOptions = {}): Promise<boolean> {
  if (!pid || pid <= 0) return true;
  // Everything that belongs to it, captured before it starts to go away (children get reparented).
  const tree = processTree(pid);
  if (stillThere(tree).length === 0) return true;
  signal(pid, opts.signal ?? 'SIGTERM', !opts.leaderOnly);
  const graceMs = opts.graceMs ?? 10000;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (stillThere(tree).length === 0) return true;
    await sleep(100);
  }
  signal(pid, 'SIGKILL', true);
  for (const member of stillThere(tree)) signal(member, 'SIGKILL', false);
  const killDeadline = Date.now() + 5000;
  while (Date.now() < killDeadline) {
    if (stillThere(tree).length === 0) return true;
    await sleep(100);
  }
  return stillThere(tree).length === 0;
}

function tail(file: string | undefined, lines = 20): string {
  if (!file) return '';
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export interface WaitOptions {
  name: string;
  timeoutMs?: number;
  intervalMs?: number;
  /** When given, fail as soon as this process dies instead of waiting for the timeout. */
  pid?: number;
  /** Logs whose tail goes into the error message. */
  logs?: string[];
}

/** Polls `check` until it answers true; errors carry the tail of the server's logs. */
export async function waitUntil(check: () => Promise<boolean>, opts: WaitOptions): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 60000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (e) {
      lastError = e;
    }
    const dead = opts.pid !== undefined && !isAlive(opts.pid);
    if (dead || Date.now() > deadline) {
      const why = dead ? `exited before it was ready` : `not ready after ${timeoutMs} ms`;
      const logs = (opts.logs ?? []).map((f) => `--- ${f}\n${tail(f)}`).join('\n');
      const last = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`${opts.name} ${why}${last}\n${logs}`);
    }
    await sleep(opts.intervalMs ?? 250);
  }
}

function execFileText(cmd: string, args: string[], timeoutMs = 5000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

/** Temporal answers: gRPC health says SERVING and the `default` namespace is registered. */
export async function temporalReady(address: string, namespace = 'default'): Promise<boolean> {
  const [host, port] = splitHostPort(address);
  if (!(await tcpOpen(host, port))) return false;
  const connection = await Connection.connect({ address, connectTimeout: 2000 });
  try {
    const health = await connection.healthService.check({});
    if (health.status !== 1 /* SERVING */) return false;
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } finally {
    await connection.close();
  }
}

/** Temporal answers, asked through its own CLI (no gRPC client in this process). */
export async function temporalReadyCli(temporalBin: string, address: string): Promise<boolean> {
  const { code } = await execFileText(temporalBin, ['operator', 'cluster', 'health', '--address', address]);
  return code === 0;
}

/** moto answers its own dashboard API. */
export async function motoReady(endpoint: string): Promise<boolean> {
  const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.ok;
}

/** PostgreSQL accepts connections (pg_isready), and, with credentials, runs a query. */
export async function postgresReady(opts: {
  host: string;
  port: number;
  pgBin?: string;
  user?: string;
  password?: string;
}): Promise<boolean> {
  if (!(await tcpOpen(opts.host, opts.port))) return false;
  if (opts.pgBin) {
    const { code } = await execFileText(path.join(opts.pgBin, 'pg_isready'), [
      '-h', opts.host, '-p', String(opts.port), '-q', '-t', '2',
    ]);
    if (code !== 0) return false;
  }
  if (opts.user && opts.password) {
    const client = new PgClient({
      host: opts.host, port: opts.port, user: opts.user, password: opts.password,
      database: 'postgres', connectionTimeoutMillis: 2000,
    });
    await client.connect();
    try {
      await client.query('select 1');
    } finally {
      await client.end();
    }
  }
  return true;
}

export function splitHostPort(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}

/**
 * Does this pid belong to the sandbox in `dir`? Guards against a recorded pid that a later,
 * unrelated process reused: ours name the folder on their command line (Temporal's database,
 * PostgreSQL's data dir, the load's state file) or in their environment (moto's DRCTL_SANDBOX_DIR).
 */
export function belongsTo(pid: number, dir: string): boolean {
  if (!hasProc) return true;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (cmdline.some((arg) => arg === dir || arg.startsWith(`${dir}/`) || arg.includes(`=${dir}/`))) return true;
    const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return environ.includes(`DRCTL_SANDBOX_DIR=${dir}`);
  } catch {
    return false;
  }
}
