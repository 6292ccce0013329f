/**
 * What a running sandbox writes to `<dir>/state.json`: where each server listens and how to stop it.
 * Tests and the CLI read it instead of guessing ports.
 */
export interface SandboxState {
  /** Folder holding the state file, logs, Temporal's database, PostgreSQL's data and the dumps. */
  dir: string;
  startedAt: string;
  temporal: { address: string; namespace: string; pid: number; dbFile: string };
  moto: { endpoint: string; pid: number };
  postgres: { host: string; port: number; user: string; password: string; pid: number; dataDir: string };
  /** The write-load process, when one is running (`drctl sandbox load` / `up --load`). */
  load?: { pid: number; intervalMs: number };
  /**
   * The drctl worker (`drctl worker`) serving the default task queues, when `up` started one; its
   * output is in `<dir>/logs/worker.log`. `code` fingerprints the source it was started from, so
   * `up` restarts a worker that runs code which has changed since.
   */
  worker?: { pid: number; queues: string[]; code?: string };
  /** One setting that scales every simulated long-running operation (1 = a few seconds each). */
  timeScale: number;
  /** Credentials the sandbox's moto accepts for the orchestrator's home account (not a secret). */
  aws: { accessKeyId: string; secretAccessKey: string; homeAccountId: string };
}

/** Default sandbox folder for operators; tests use their own so they never touch it. */
export const DEFAULT_SANDBOX_DIR = '.drctl/sandbox';
