import type { Command } from 'commander';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { restoreVerification } from '../../workflows/restore-verification';
import { workflowQueue } from '../../workflows/queues';
import { connectClient, operatorIdentity, resolveTarget } from '../connect';
import { CliError } from '../exit';
import { table } from '../render';
import { loadOrExit } from '../runbook-file';

async function withClient<T>(fn: (client: Client, prefix: string) => Promise<T>): Promise<T> {
  const target = resolveTarget();
  const { client, close } = await connectClient(target, operatorIdentity());
  try {
    return await fn(client, target.config.queuePrefix);
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new CliError(`no such schedule: ${err.message}`);
    throw err;
  } finally {
    await close();
  }
}

export function registerSchedule(program: Command): void {
  const schedule = program.command('schedule').description('manage Temporal Schedules that run restore verification (e.g. nightly)');

  schedule
    .command('create')
    .description('create a schedule; the runbook is pinned into it as it is now (re-create to change it)')
    .argument('<file>', 'runbook YAML file')
    .requiredOption('--id <id>', 'schedule id, e.g. nightly-ledger')
    .option('--cron <expr>', 'cron expression, e.g. "0 2 * * *"')
    .option('--every <duration>', 'interval instead of cron, e.g. 24h')
    .option('--timezone <tz>', 'IANA time zone of the cron expression', 'UTC')
    .option('--catchup-window <duration>', 'how late a missed run may still start', '1h')
    .option('--tier <tier...>', 'only these tiers')
    .option('--resource <id...>', 'only these resources')
    .option('--paused', 'create it paused')
    .action(async (file: string, opts: { id: string; cron?: string; every?: string; timezone: string; catchupWindow: string; tier?: string[]; resource?: string[]; paused?: boolean }) => {
      if (!opts.cron === !opts.every) throw new CliError('give exactly one of --cron or --every');
      const loaded = loadOrExit(file);
      await withClient(async (client, prefix) => {
        await client.schedule.create({
          scheduleId: opts.id,
          spec: opts.cron ? { cronExpressions: [opts.cron], timezone: opts.timezone } : { intervals: [{ every: opts.every! as `${number}h` }], timezone: opts.timezone },
          action: {
            type: 'startWorkflow',
            workflowType: restoreVerification,
            workflowId: `restore-verification/${loaded.runbook.metadata.name}/${opts.id}`,
            taskQueue: workflowQueue(prefix),
            args: [{ runbook: loaded.runbook, runbookSha256: loaded.sha256, tiers: opts.tier, resources: opts.resource, initiator: `schedule:${opts.id}`, taskQueuePrefix: prefix }],
          },
          policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: opts.catchupWindow as `${number}h` },
          state: { paused: Boolean(opts.paused), note: `created by ${operatorIdentity()} from ${file} sha256:${loaded.sha256}` },
          memo: { runbook: loaded.runbook.metadata.name, runbookSha256: loaded.sha256 },
        });
        process.stdout.write(`schedule ${opts.id} created (${opts.cron ? `cron "${opts.cron}" ${opts.timezone}` : `every ${opts.every}`}, overlap skip, catch-up ${opts.catchupWindow})\n`);
      });
    });

  schedule
    .command('list')
    .description('list schedules with their next and recent runs')
    .action(async () =>
      withClient(async (client) => {
        const rows = [['id', 'state', 'next run', 'last run', 'last workflow']];
        for await (const s of client.schedule.list()) {
          const d = await client.schedule.getHandle(s.scheduleId).describe();
          const last = d.info.recentActions.at(-1);
          rows.push([s.scheduleId, d.state.paused ? 'paused' : 'active', d.info.nextActionTimes[0]?.toISOString() ?? '-', last?.takenAt.toISOString() ?? '-', last?.action.workflow.workflowId ?? '-']);
        }
        process.stdout.write(`${table(rows).join('\n')}\n`);
      }),
    );

  const simple = (name: string, description: string, fn: (client: Client, id: string) => Promise<string>) =>
    schedule
      .command(name)
      .description(description)
      .argument('<id>', 'schedule id')
      .action(async (id: string) => {
        await withClient(async (client) => process.stdout.write(`${await fn(client, id)}\n`));
      });

  simple('pause', 'pause a schedule', async (c, id) => (await c.schedule.getHandle(id).pause(`paused by ${operatorIdentity()}`), `schedule ${id} paused`));
  simple('resume', 'resume a paused schedule', async (c, id) => (await c.schedule.getHandle(id).unpause(`resumed by ${operatorIdentity()}`), `schedule ${id} resumed`));
  simple('trigger', 'start a run now (skipped if one is already running)', async (c, id) => {
    const h = c.schedule.getHandle(id);
    const before = (await h.describe()).info.recentActions.length;
    await h.trigger(ScheduleOverlapPolicy.SKIP);
    return `schedule ${id} triggered (${before} earlier run(s))`;
  });
  simple('delete', 'delete a schedule (runs already started go on)', async (c, id) => (await c.schedule.getHandle(id).delete(), `schedule ${id} deleted`));
}
