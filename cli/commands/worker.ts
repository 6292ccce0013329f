import type { Command } from 'commander';
import { startWorkers } from '../../worker/worker';
import { resolveTarget } from '../connect';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run a worker: workflow tasks and the activities of the accounts in DRCTL_ACCOUNT_IDS (or --accounts)')
    .option('--accounts <ids>', 'comma-separated account ids whose activities to run (overrides DRCTL_ACCOUNT_IDS)')
    .option('--no-workflows', 'do not run workflow tasks (an account-boundary worker)')
    .action(async (opts: { accounts?: string; workflows: boolean }) => {
      const target = resolveTarget();
      const accountIds = opts.accounts ? opts.accounts.split(',').map((s) => s.trim()) : target.config.accountIds;
      const running = await startWorkers({
        config: { ...target.config, accountIds, serveWorkflows: opts.workflows && target.config.serveWorkflows },
        awsCredentials: target.sandbox ? { accessKeyId: target.sandbox.aws.accessKeyId, secretAccessKey: target.sandbox.aws.secretAccessKey } : undefined,
      });
      process.stderr.write(`drctl worker: ${target.config.address}/${target.config.namespace} serving ${running.queues.join(', ')}\n`);
      const stop = () => void running.shutdown();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await running.done;
    });
}
