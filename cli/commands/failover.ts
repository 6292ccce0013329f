import type { Command } from 'commander';
import { WorkflowFailedError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { compilePlan, PlanError } from '../../runbooks';
import type { LoadedRunbook } from '../../runbooks';
import { failback, failover } from '../../workflows';
import { failoverInput, type ControlAction } from '../../workflows/failover';
import type { FailbackResult, FailoverMode, FailoverResult } from '../../workflows/failover-types';
import { workflowQueue } from '../../workflows/queues';
import { connectClient, operatorIdentity, resolveTarget } from '../connect';
import { CliError, EXIT } from '../exit';
import { renderFailover } from '../render';
import { loadOrExit } from '../runbook-file';
import { followProgress } from './status';

async function withClient<T>(identity: string, fn: (client: Client, prefix: string) => Promise<T>): Promise<T> {
  const target = resolveTarget();
  const { client, close } = await connectClient(target, identity);
  try {
    return await fn(client, target.config.queuePrefix);
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new CliError(`refused: ${err.cause?.message ?? err.message}`, EXIT.failed);
    throw err;
  } finally {
    await close();
  }
}

function checkPlan(loaded: LoadedRunbook, mode: FailoverMode, tiers?: string[]): void {
  try {
    compilePlan(loaded.runbook, mode, { tiers });
  } catch (err) {
    if (err instanceof PlanError) throw new CliError(`refused: ${err.message}`);
    throw err;
  }
}

/** Waits for a run, printing step changes, then its table; exit 0 only if it completed and met every objective. */
async function follow(client: Client, workflowId: string, json: boolean | undefined): Promise<void> {
  const stop = followProgress(client, workflowId, (line) => process.stderr.write(`${line}\n`));
  let result: FailoverResult | FailbackResult;
  try {
    result = await client.workflow.getHandle(workflowId).result();
  } catch (err) {
    if (err instanceof WorkflowFailedError) throw new CliError(`run ${workflowId} ended without a result: ${err.cause?.message ?? err.message}`, EXIT.failed);
    throw err;
  } finally {
    await stop();
  }
  process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : renderFailover(result));
  process.exitCode = result.status === 'COMPLETED' && result.objectivesMet ? EXIT.ok : EXIT.failed;
}

export function registerFailover(program: Command): void {
  const start = (mode: FailoverMode) => async (file: string, opts: { tier?: string[]; incident?: string; declaredAt?: string; initiator?: string; id?: string; wait: boolean; json?: boolean; onFailure?: 'continue' | 'pause' }) => {
    const loaded = loadOrExit(file);
    checkPlan(loaded, mode, opts.tier);
    let incident: { id: string; declaredAt: string } | undefined;
    if (mode === 'incident') {
      if (!opts.incident || !opts.declaredAt) throw new CliError('an incident failover needs --incident ID and --declared-at TIME');
      const at = Date.parse(opts.declaredAt);
      if (!Number.isFinite(at)) throw new CliError(`--declared-at: not a time: "${opts.declaredAt}" (use ISO 8601, e.g. 2026-12-03T09:30:00Z)`);
      if (at > Date.now() + 60_000) throw new CliError('--declared-at is in the future');
      incident = { id: opts.incident, declaredAt: new Date(at).toISOString() };
    }
    const identity = operatorIdentity(opts.initiator);
    await withClient(identity, async (client, prefix) => {
      const workflowId = opts.id ?? `${mode}/${loaded.runbook.metadata.name}/${incident?.id ?? new Date().toISOString().replace(/[:.]/g, '-')}`;
      await client.workflow.start(failover, {
        taskQueue: workflowQueue(prefix), workflowId,
        args: [{ runbook: loaded.runbook, runbookSha256: loaded.sha256, mode, initiator: identity, incident, tiers: opts.tier, taskQueuePrefix: prefix, onFailure: opts.onFailure }],
        memo: { runbookSha256: loaded.sha256 },
      });
      if (!opts.wait) return void process.stdout.write(`${workflowId}\n`);
      process.stderr.write(`started ${workflowId}${mode === 'incident' ? ' (waiting for approvals: drctl approve RUN)' : ''}\n`);
      await follow(client, workflowId, opts.json);
    });
  };
  const common = (cmd: Command) => cmd
    .argument('<file>', 'runbook YAML file')
    .option('--tier <tier...>', 'only these tiers')
    .option('--on-failure <policy>', 'after a failed step: keep unrelated branches running (continue) or pause them (pause)', 'continue')
    .option('--initiator <name>', 'who starts it (default: $DRCTL_OPERATOR or user@host)')
    .option('--id <workflowId>', 'workflow id of the run')
    .option('--no-wait', 'print the run id and return at once')
    .option('--json', 'print the result record as JSON');

  common(program.command('drill').description('rehearse the failover on copies in the recovery account; production is never written; cleans up')).action(start('drill'));
  common(program.command('failover').description('fail over for real (incident), behind approval gates; nothing is rolled back automatically'))
    .option('--incident <id>', 'incident id (e.g. INC-4711)')
    .option('--declared-at <time>', 'when the disruption started (RTO counts from here), ISO 8601')
    .action(start('incident'));

  program
    .command('failback')
    .description('return an incident failover to the primary region: reprotect, wait for lag, approval, fence, promote, switch traffic back')
    .argument('<run>', 'workflow id of the completed incident failover')
    .option('--initiator <name>', 'who starts it')
    .option('--max-lag <seconds>', 'replication lag allowed before promotion', Number)
    .option('--keep-recovery-copies', 'keep the recovery-side copies instead of deleting them')
    .option('--no-wait', 'print the run id and return at once')
    .option('--json', 'print the result record as JSON')
    .action(async (run: string, opts: { initiator?: string; maxLag?: number; keepRecoveryCopies?: boolean; wait: boolean; json?: boolean }) => {
      const identity = operatorIdentity(opts.initiator);
      await withClient(identity, async (client, prefix) => {
        const handle = client.workflow.getHandle<typeof failover>(run);
        const desc = await handle.describe().catch(() => undefined);
        if (!desc || desc.type !== 'failover') throw new CliError(`${run} is not a failover run`);
        if (desc.status.name !== 'COMPLETED') throw new CliError(`${run} is ${desc.status.name}; fail back after it completes`);
        const result = await handle.result();
        if (result.kind !== 'incident') throw new CliError(`${run} is a drill; there is nothing to fail back`);
        if (result.live.length === 0) throw new CliError(`${run} left nothing live on the recovery side`);
        const workflowId = `failback/${result.runbook.name}/${result.incident?.id ?? run.split('/').pop()}`;
        // The failback uses the very runbook the failover ran with (pinned in its input).
        const { runbook } = await handle.query(failoverInput);
        await client.workflow.start(failback, {
          taskQueue: workflowQueue(prefix), workflowId,
          args: [{ runbook, runbookSha256: result.runbook.sha256, failover: result, initiator: identity, taskQueuePrefix: prefix, maxLagSeconds: opts.maxLag, keepRecoveryCopies: opts.keepRecoveryCopies }],
        });
        if (!opts.wait) return void process.stdout.write(`${workflowId}\n`);
        process.stderr.write(`started ${workflowId} (needs approval: drctl approve ${workflowId})\n`);
        await follow(client, workflowId, opts.json);
      });
    });

  program
    .command('approve')
    .description('approve a waiting gate of a run, as you (the initiator cannot approve)')
    .argument('<run>', 'workflow id')
    .option('--gate <gate>', 'gate to approve (default: the one waiting)')
    .option('--comment <text>', 'why, for the record')
    .option('--as <identity>', 'approver identity (default: $DRCTL_OPERATOR or user@host)')
    .action(async (run: string, opts: { gate?: string; comment?: string; as?: string }) => {
      const identity = operatorIdentity(opts.as);
      await withClient(identity, async (client) => {
        const ack = await client.workflow.getHandle(run).executeUpdate<{ gate: string; have: number; needed: number }, [unknown]>('approve', { args: [{ approver: identity, gate: opts.gate, comment: opts.comment }] });
        process.stdout.write(`${ack.gate}: approved by ${identity} (${ack.have}/${ack.needed})\n`);
      });
    });

  const control = (action: ControlAction, description: string, withStep: boolean) => {
    const cmd = program.command(action).description(description).argument('<run>', 'workflow id');
    if (withStep) cmd.argument('<step>', 'step id, as `drctl status RUN` shows it');
    if (action === 'skip' || action === 'abort') cmd.option('--reason <text>', 'why (required to skip)');
    cmd.option('--as <identity>', 'operator identity (default: $DRCTL_OPERATOR or user@host)');
    cmd.action(async (run: string, ...rest: unknown[]) => {
      const step = withStep ? (rest[0] as string) : undefined;
      const opts = (withStep ? rest[1] : rest[0]) as { reason?: string; as?: string };
      if (action === 'skip' && !opts.reason) throw new CliError('skip needs --reason');
      const identity = operatorIdentity(opts.as);
      await withClient(identity, async (client) => {
        const ack = await client.workflow.getHandle(run).executeUpdate<string, [unknown]>('control', { args: [{ action, by: identity, step, reason: opts.reason }] });
        process.stdout.write(`${run}: ${ack}\n`);
      });
    });
  };
  control('pause', 'pause a run: running steps finish, no new step starts', false);
  control('resume', 'resume a paused run', false);
  control('abort', 'abort a run (a drill cleans up; an incident records what is live)', false);
  control('retry', 'run a failed step again', true);
  control('skip', 'skip a step (recorded with who and why); its dependants go on', true);
}
