import type { Command } from 'commander';
import { compilePlan, MODES, PlanError, waves, type ExecutionPlan, type Mode } from '../../runbooks';
import { CliError, EXIT } from '../exit';
import type { Runbook } from '../../runbooks';
import { AwsSessions } from '../../activities/aws';
import { createFailoverActivities } from '../../activities/failover';
import { preflightChecks } from '../../workflows/failover';
import { resolveTarget } from '../connect';
import { loadOrExit } from '../runbook-file';

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('compile a runbook into its execution plan (a DAG of steps) and print it; no cloud call unless --check')
    .argument('<file>', 'runbook YAML file')
    .requiredOption('--mode <mode>', `one of ${MODES.join(', ')}`)
    .option('--tier <tier...>', 'only these tiers')
    .option('--resource <id...>', 'only these resources')
    .option('--json', 'print the plan as JSON')
    .option('--check', 'preflight (drill and incident): assume every role and check every resource, replica, key, subnet group, secret and zone the plan needs; reports every problem, changes nothing')
    .action(async (file: string, opts: { mode: string; tier?: string[]; resource?: string[]; json?: boolean; check?: boolean }) => {
      if (!MODES.includes(opts.mode as Mode)) throw new CliError(`--mode must be one of ${MODES.join(', ')}, not "${opts.mode}"`);
      const { runbook } = loadOrExit(file);
      let plan: ExecutionPlan;
      try {
        plan = compilePlan(runbook, opts.mode as Mode, { tiers: opts.tier, resources: opts.resource });
      } catch (err) {
        if (err instanceof PlanError) throw new CliError(`refused: ${err.message}`);
        throw err;
      }
      if (!opts.check) {
        process.stdout.write(opts.json ? `${JSON.stringify(plan, null, 2)}\n` : renderPlan(plan));
        return;
      }
      if (plan.mode === 'restore-test') throw new CliError('--check runs the failover preflight: use --mode drill or --mode incident');
      const problems = await preflight(runbook, plan);
      if (opts.json) process.stdout.write(`${JSON.stringify({ plan: plan.runbook, mode: plan.mode, problems }, null, 2)}\n`);
      else process.stdout.write(problems.length ? `preflight: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}\n` : 'preflight: ok, every role assumed and every resource found\n');
      process.exitCode = problems.length ? EXIT.failed : EXIT.ok;
    });
}

/** Runs the preflight checks from here, with the operator's credentials (the same checks a run starts with). */
async function preflight(runbook: Runbook, plan: ExecutionPlan): Promise<string[]> {
  const target = resolveTarget();
  const aws = new AwsSessions({ endpoint: target.config.awsEndpoint, credentials: target.sandbox ? { accessKeyId: target.sandbox.aws.accessKeyId, secretAccessKey: target.sandbox.aws.secretAccessKey } : undefined });
  const acts = createFailoverActivities(aws);
  const runKey = `preflight-${Date.now().toString(36)}`;
  try {
    const checks = preflightChecks(runbook, plan.steps.map((s) => s.id), plan.mode as 'drill' | 'incident');
    const results = await Promise.all([...checks.entries()].map(async ([where, list]) => {
      const [alias, region] = where.split('|');
      const a = runbook.accounts[alias];
      const scope = { runKey, workflowId: runKey, runbook: runbook.metadata.name, account: { alias, id: a.id, role: a.role, externalId: a.externalId }, region };
      return acts.preflight({ ...scope, checks: list }).catch((err: Error) => ({ problems: [`${alias} (${a.id}) ${region}: cannot check: ${err.message}`], checked: 0 }));
    }));
    return results.flatMap((r) => r.problems);
  } finally {
    aws.close();
  }
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
