import type { Command } from 'commander';
import { compilePlan, MODES, PlanError, waves, type ExecutionPlan, type Mode } from '../../runbooks';
import { CliError } from '../exit';
import { loadOrExit } from '../runbook-file';

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('compile a runbook into its execution plan (a DAG of steps) and print it; makes no cloud call')
    .argument('<file>', 'runbook YAML file')
    .requiredOption('--mode <mode>', `one of ${MODES.join(', ')}`)
    .option('--tier <tier...>', 'only these tiers')
    .option('--resource <id...>', 'only these resources')
    .option('--json', 'print the plan as JSON')
    .action((file: string, opts: { mode: string; tier?: string[]; resource?: string[]; json?: boolean }) => {
      if (!MODES.includes(opts.mode as Mode)) throw new CliError(`--mode must be one of ${MODES.join(', ')}, not "${opts.mode}"`);
      const { runbook } = loadOrExit(file);
      let plan: ExecutionPlan;
      try {
        plan = compilePlan(runbook, opts.mode as Mode, { tiers: opts.tier, resources: opts.resource });
      } catch (err) {
        if (err instanceof PlanError) throw new CliError(`refused: ${err.message}`);
        throw err;
      }
      process.stdout.write(opts.json ? `${JSON.stringify(plan, null, 2)}\n` : renderPlan(plan));
    });
}

const EFFECT_MARK = { read: 'read', 'copy-out': 'copy-out', write: 'WRITE', gate: 'GATE' } as const;

/** A plan as text: waves of steps that may run at the same time, each with where it acts. */
export function renderPlan(plan: ExecutionPlan): string {
  const lines = [`plan ${plan.runbook} (${plan.mode}): ${plan.steps.length} steps`, ''];
  waves(plan).forEach((wave, i) => {
    lines.push(`wave ${i + 1}${wave.length > 1 ? ` (${wave.length} in parallel)` : ''}`);
    for (const s of wave) {
      const where = `${s.account} ${s.accountId} ${s.region}`;
      lines.push(`  ${EFFECT_MARK[s.effect].padEnd(8)} ${s.id.padEnd(44)} ${where}`);
      lines.push(`           ${s.description}${s.dependsOn.length ? `  [after ${s.dependsOn.join(', ')}]` : ''}`);
    }
  });
  lines.push('', 'A step starts as soon as the steps it is after are done; waves only group steps for reading.');
  return `${lines.join('\n')}\n`;
}
