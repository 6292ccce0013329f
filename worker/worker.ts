/**
 * The worker process: one Temporal worker for workflow tasks and one per account task queue, each
 * running only that account's activities. Locally one process serves them all.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel, type WorkerOptions } from '@temporalio/worker';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { AwsSessions } from '../activities/aws';
import { createActivities } from '../activities';
import { accountQueue, workflowQueue } from '../workflows/queues';
import type { WorkerConfig } from './config';

export interface StartOptions {
  config: WorkerConfig;
  /** Base AWS credentials (the sandbox's); default: the SDK's provider chain. */
  awsCredentials?: AwsCredentialIdentity;
  /** A prebuilt workflow bundle (tests build one once); default: bundle `workflows/` at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  maxConcurrentActivities?: number;
}

export interface RunningWorkers {
  queues: string[];
  /** Resolves when every worker has stopped. */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

let runtimeInstalled = false;

/** The SDK's own log level (its default INFO prints every worker state change). */
export function installRuntime(level: LogLevel = (process.env.DRCTL_LOG_LEVEL as LogLevel) ?? 'ERROR'): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger(level) });
  } catch {
    // Already installed by the host process (e.g. a test harness): keep its settings.
  }
}

export async function startWorkers(opts: StartOptions): Promise<RunningWorkers> {
  const { config } = opts;
  installRuntime();
  const connection = await NativeConnection.connect({ address: config.address, tls: config.tls, apiKey: config.apiKey });
  const aws = new AwsSessions({ endpoint: config.awsEndpoint, credentials: opts.awsCredentials });
  const activities = createActivities(aws);
  const common = { connection, namespace: config.namespace };
  const workers: Worker[] = [];
  if (config.serveWorkflows) {
    workers.push(await Worker.create({
      ...common,
      taskQueue: workflowQueue(config.queuePrefix),
      ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    }));
  }
  for (const id of config.accountIds) {
    workers.push(await Worker.create({ ...common, taskQueue: accountQueue(id, config.queuePrefix), activities, maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities ?? 50 }));
  }
  if (workers.length === 0) throw new Error('nothing to serve: set DRCTL_ACCOUNT_IDS or DRCTL_SERVE_WORKFLOWS');
  const done = Promise.all(workers.map((w) => w.run())).then(() => undefined).finally(async () => {
    aws.close();
    await connection.close();
  });
  return {
    queues: workers.map((w) => w.options.taskQueue),
    done,
    async shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await done;
    },
  };
}
