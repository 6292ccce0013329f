/** `node worker/main.ts` (via tsx) or `drctl worker`: serves the queues named by the environment. */
import { configFromEnv } from './config';
import { startWorkers } from './worker';

export async function runWorkerFromEnv(): Promise<void> {
  const config = configFromEnv();
  const running = await startWorkers({ config });
  process.stderr.write(`drctl worker: ${config.address}/${config.namespace} serving ${running.queues.join(', ')}\n`);
  const stop = () => void running.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await running.done;
}

if (require.main === module) {
  runWorkerFromEnv().catch((err) => {
    process.stderr.write(`drctl worker: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
