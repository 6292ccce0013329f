import type { Command } from 'commander';
import { AwsSessions } from '../../activities/aws';
import { defaultEvidenceDir, readLocalEvidence, readStoredChain, verifyChain, type ChainReport, type EvidenceStore } from '../../activities/evidence';
import { runKey } from '../../runbooks/naming';
import { evidenceStoreOf } from '../../workflows/evidence';
import { configFromEnv } from '../../worker/config';
import { resolveTarget, type Target } from '../connect';
import { CliError, EXIT } from '../exit';
import { loadOrExit } from '../runbook-file';

interface VerifyOpts {
  local?: boolean;
  runbook?: string;
  dir?: string;
  inProgress?: boolean;
  json?: boolean;
}

/** The AWS endpoint and base credentials the CLI acts with: the sandbox's, or the environment's. */
function awsSessions(): AwsSessions {
  let target: Target;
  try {
    target = resolveTarget();
  } catch {
    target = { config: configFromEnv() }; // no Temporal needed to read evidence
  }
  const s = target.sandbox;
  return new AwsSessions({ endpoint: target.config.awsEndpoint, credentials: s ? { accessKeyId: s.aws.accessKeyId, secretAccessKey: s.aws.secretAccessKey } : undefined, maxAttempts: 3 });
}

function print(report: ChainReport & { location: string }, json?: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else if (report.ok) {
    process.stdout.write(`ok: ${report.events} events, head ${report.head}\n  ${report.location}\n`);
  } else {
    const b = report.break!;
    process.stdout.write(`break at event ${b.seq} (${b.kind}): ${b.message}\n  ${report.events} intact event(s) before it, in ${report.location}\n`);
  }
  process.exitCode = report.ok ? EXIT.ok : EXIT.failed;
}

export function registerEvidence(program: Command): void {
  const evidence = program.command('evidence').description('a run\'s tamper-evident evidence chain');
  evidence
    .command('verify')
    .description('recompute a run\'s evidence chain from the evidence store (or the local copy) and report the first break')
    .argument('<run>', 'run id (the workflow id)')
    .option('--local', 'verify the local copy instead of the evidence store')
    .option('--runbook <file>', 'runbook naming the evidence account and bucket (default: the store recorded with the local copy)')
    .option('--dir <dir>', 'local evidence folder (default: $DRCTL_EVIDENCE_DIR or .drctl/evidence)')
    .option('--in-progress', 'the run is still going: do not require run.ended at the end of the chain')
    .option('--json', 'print the report as JSON')
    .action(async (run: string, opts: VerifyOpts) => {
      const dir = opts.dir ?? defaultEvidenceDir();
      const local = readLocalEvidence(dir, run);
      const expectEnd = !opts.inProgress;
      let store: EvidenceStore | null | undefined = local.store;
      if (opts.runbook) store = evidenceStoreOf(loadOrExit(opts.runbook).runbook) ?? null;
      if (opts.local || store === null) {
        if (local.events.length === 0 && local.store === undefined) throw new CliError(`no local evidence of run ${run} in ${dir}`, EXIT.failed);
        const report = verifyChain(local.events, { runId: run, expectEnd });
        print({ ...report, location: `local:${local.dir}${store === null && !opts.local ? ' (the runbook names no evidence store: local copy only)' : ''}` }, opts.json);
        return;
      }
      if (!store) throw new CliError(`no evidence store known for run ${run}: give --runbook FILE, or run where its local copy is (${dir})`);
      const aws = awsSessions();
      try {
        const chain = await readStoredChain(aws.s3(store.account, store.region, runKey(run)), store, run);
        print({ ...verifyChain(chain.events, { runId: run, history: chain.history, expectEnd }), location: chain.location }, opts.json);
      } catch (err) {
        throw new CliError(`cannot read the evidence of ${run} from s3://${store.bucket} in account ${store.account.id}: ${(err as Error).message}`, EXIT.failed);
      } finally {
        aws.close();
      }
    });
}
