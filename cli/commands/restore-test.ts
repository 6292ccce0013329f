import type { Command } from 'commander';
import { WorkflowFailedError } from '@temporalio/client';
import { compilePlan, PlanError } from '../../runbooks';
import { restoreVerification } from '../../workflows/restore-verification';
import type { RestoreVerificationResult } from '../../workflows/restore-verification';
import { workflowQueue } from '../../workflows/queues';
import { connectClient, operatorIdentity, resolveTarget } from '../connect';
import { CliError, EXIT } from '../exit';
import { renderVerification } from '../render';
import { loadOrExit } from '../runbook-file';
import { followProgress } from './status';

export function registerRestoreTest(program: Command): void {
  program
    .command('restore-test')
    .description('restore-test a runbook\'s resources in the isolated account: copy, restore, validate with SQL, measure, clean up')
    .argument('<file>', 'runbook YAML file')
    .option('--tier <tier...>', 'only resources of these tiers')
    .option('--resource <id...>', 'only these resources')
    .option('--parallelism <n>', 'resources restored at the same time', (v) => Number.parseInt(v, 10))
    .option('--initiator <name>', 'who starts it (default: $DRCTL_OPERATOR or user@host)')
    .option('--id <workflowId>', 'workflow id (default: restore-verification/<runbook>/<time>)')
    .option('--no-wait', 'print the run id and return at once')
    .option('--json', 'print the result record as JSON')
    .action(async (file: string, opts: { tier?: string[]; resource?: string[]; parallelism?: number; initiator?: string; id?: string; wait: boolean; json?: boolean }) => {
      const loaded = loadOrExit(file);
      try {
        compilePlan(loaded.runbook, 'restore-test', { tiers: opts.tier, resources: opts.resource });
      } catch (err) {
        if (err instanceof PlanError) throw new CliError(`refused: ${err.message}`);
        throw err;
      }
      const target = resolveTarget();
      const identity = operatorIdentity(opts.initiator);
      const { client, close } = await connectClient(target, identity);
      try {
        const workflowId = opts.id ?? `restore-verification/${loaded.runbook.metadata.name}/${new Date().toISOString().replace(/[:.]/g, '-')}`;
        const handle = await client.workflow.start(restoreVerification, {
          taskQueue: workflowQueue(target.config.queuePrefix),
          workflowId,
          args: [{ runbook: loaded.runbook, runbookSha256: loaded.sha256, tiers: opts.tier, resources: opts.resource, initiator: identity, taskQueuePrefix: target.config.queuePrefix, parallelism: opts.parallelism }],
          memo: { runbookFile: file, runbookSha256: loaded.sha256 },
        });
        if (!opts.wait) {
          process.stdout.write(`${workflowId}\n`);
          return;
        }
        process.stderr.write(`started ${workflowId}\n`);
        const stop = followProgress(client, workflowId, (line) => process.stderr.write(`${line}\n`));
        let result: RestoreVerificationResult;
        try {
          result = await handle.result();
        } catch (err) {
          if (err instanceof WorkflowFailedError) throw new CliError(`run ${workflowId} ended without a result: ${err.cause?.message ?? err.message}`, EXIT.failed);
          throw err;
        } finally {
          await stop();
        }
        process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : renderVerification(result));
        process.exitCode = result.status === 'PASSED' ? EXIT.ok : EXIT.failed;
      } finally {
        await close();
      }
    });
}
