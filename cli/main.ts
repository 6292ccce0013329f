/**
 * drctl: the operator's interface. Exit codes: 0 ok, 1 the run failed or breached an objective,
 * 2 bad input (an invalid runbook, an unknown option, a refused plan).
 */
import { Command, CommanderError } from 'commander';
import { CliError, EXIT } from './exit';
import { registerValidate } from './commands/validate';
import { registerPlan } from './commands/plan';
import { registerSchema } from './commands/schema';
import { registerRestoreTest } from './commands/restore-test';
import { registerStatus } from './commands/status';
import { registerSchedule } from './commands/schedule';
import { registerWorker } from './commands/worker';
import { registerSandbox } from './commands/sandbox';
import { registerFailover } from './commands/failover';
import { registerEvidence } from './commands/evidence';
import { registerReport } from './commands/report';
import { registerHistory } from './commands/history';

export function buildProgram(): Command {
  const program = new Command('drctl')
    .description('disaster-recovery runbooks on Temporal: restore tests, drills, incident failover, evidence')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerValidate(program);
  registerPlan(program);
  registerSchema(program);
  registerRestoreTest(program);
  registerStatus(program);
  registerSchedule(program);
  registerWorker(program);
  registerFailover(program);
  registerSandbox(program);
  registerEvidence(program);
  registerReport(program);
  registerHistory(program);
  const override = (cmd: Command) => {
    cmd.exitOverride();
    cmd.commands.forEach(override);
  };
  override(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
      return;
    }
    if (err instanceof CliError) {
      process.stderr.write(`drctl: ${err.message}\n`);
      process.exitCode = err.code;
      return;
    }
    process.stderr.write(`drctl: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = EXIT.failed;
  }
}

/** Entry point used by bin/drctl.js. */
export const run = main;
