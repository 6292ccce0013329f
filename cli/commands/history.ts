/**
 * `drctl history FILE|--runbook NAME`: a runbook's last runs per tier (RTA/RPA against objectives and
 * a trend), read from the local evidence copies or the evidence store, and the resources not
 * restore-tested within their policy window. Exit codes: 0 every declared resource is within its
 * window, 1 some resource is not (so CI can alert), 2 bad input.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { AwsSessions } from '../../activities/aws';
import { defaultEvidenceDir, readLocalEvidence, readStoredChain, verifyChain, type EvidenceStore } from '../../activities/evidence';
import { formatDuration, type Measured } from '../../runbooks';
import { buildHistory, restoreTestPolicies, tiersOf, type History, type ResourcePolicy, type RunChain, type TierTrend } from '../../runbooks/history';
import { evidenceStoreOf } from '../../workflows/evidence';
import { configFromEnv } from '../../worker/config';
import { resolveTarget, type Target } from '../connect';
import { CliError, EXIT } from '../exit';
import { table } from '../render';
import { loadOrExit } from '../runbook-file';

interface HistoryOpts {
  runbook?: string;
  runs: string;
  json?: boolean;
  fromStore?: boolean;
  dir?: string;
}

const hasEnd = (events: readonly unknown[]) => events.some((e) => (e as { type?: unknown } | null)?.type === 'run.ended');

/** Every run in the local evidence folder, each verified (a run without run.ended is verified as in progress). */
function localChains(dir: string): Array<RunChain & { pinned?: unknown; store?: EvidenceStore | null }> {
  if (!fs.existsSync(dir)) return [];
  const out: Array<RunChain & { pinned?: unknown; store?: EvidenceStore | null }> = [];
  for (const name of fs.readdirSync(dir).sort()) {
    let runId: string;
    try {
      runId = decodeURIComponent(name);
    } catch {
      continue;
    }
    if (!fs.statSync(path.join(dir, name)).isDirectory()) continue;
    const local = readLocalEvidence(dir, runId);
    if (local.events.length === 0) continue;
    const report = verifyChain(local.events, { runId, expectEnd: hasEnd(local.events) });
    out.push({ runId, events: local.events, intact: report.ok, problem: report.break?.message, pinned: (local.runbook as { runbook?: unknown } | undefined)?.runbook, store: local.store });
  }
  return out;
}

/** The AWS endpoint and base credentials the CLI acts with: the sandbox's, or the environment's. */
function awsSessions(): AwsSessions {
  let target: Target;
  try {
    target = resolveTarget();
  } catch {
    target = { config: configFromEnv() };
  }
  const s = target.sandbox;
  return new AwsSessions({ endpoint: target.config.awsEndpoint, credentials: s ? { accessKeyId: s.aws.accessKeyId, secretAccessKey: s.aws.secretAccessKey } : undefined, maxAttempts: 3 });
}

async function pinnedName(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (JSON.parse(await res.Body!.transformToString('utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}

/**
 * The runbook's runs from the evidence store: lists the bucket's run keys, keeps the runs whose pinned
 * runbook has this name (or has none pinned), and reads and verifies each chain with its version history.
 */
async function storeChains(store: EvidenceStore, runbook: string): Promise<RunChain[]> {
  const aws = awsSessions();
  try {
    const s3 = aws.s3(store.account, store.region, 'drctl-history');
    const prefix = `${store.prefix ? (store.prefix.endsWith('/') ? store.prefix : `${store.prefix}/`) : ''}runs/`;
    const runIds = new Set<string>();
    const pinned = new Set<string>();
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: store.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        const rest = o.Key!.slice(prefix.length);
        const ev = /^(.+)\/events\/\d+\.json$/.exec(rest);
        if (ev) runIds.add(ev[1]);
        const rb = /^(.+)\/runbook\.json$/.exec(rest);
        if (rb) pinned.add(rb[1]);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const out: RunChain[] = [];
    for (const runId of [...runIds].sort()) {
      if (pinned.has(runId) && (await pinnedName(s3, store.bucket, `${prefix}${runId}/runbook.json`)) !== runbook) continue;
      const chain = await readStoredChain(s3, store, runId);
      const report = verifyChain(chain.events, { runId, history: chain.history, expectEnd: hasEnd(chain.events) });
      out.push({ runId, events: chain.events, intact: report.ok, problem: report.break?.message });
    }
    return out;
  } catch (err) {
    throw new CliError(`cannot read the evidence of ${runbook} from s3://${store.bucket} in account ${store.account.id}: ${(err as Error).message}`, EXIT.failed);
  } finally {
    aws.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Text

const fmt = (m: Measured | null | undefined) => {
  if (!m) return '-';
  if (m.actualMs === null) return `n/a / ${formatDuration(m.objectiveMs)}`;
  return `${formatDuration(m.actualMs)} / ${formatDuration(m.objectiveMs)} ${m.verdict === 'met' ? 'met' : 'BREACHED'}`;
};

function trendLine(t: TierTrend): string {
  if (t.trend === 'unknown') return `trend (${t.kind}): unknown, ${t.runs} run(s) with a measured RTA`;
  return `trend (${t.kind}): ${t.trend}, RTA ${formatDuration(t.latestMs!)} latest against ${formatDuration(t.baselineMs!)} median of the ${t.runs - 1} run(s) before`;
}

function policyLine(p: ResourcePolicy): string {
  const last = p.lastPassed ? `last passed ${p.lastPassed.at} (${formatDuration(p.ageMs!)} ago, ${p.lastPassed.runId})` : 'never passed a restore test';
  return `${p.resource} (tier ${p.tier}): ${last}; window ${p.every}`;
}

export function renderHistory(h: History, source: string): string {
  const lines = [`history of ${h.runbook}: ${h.chains} evidence chain(s) in ${source}, as of ${h.now}`];
  for (const t of h.tiers) {
    lines.push('', `tier ${t.name}${t.objectives ? ` (RTO ${t.objectives.rto}, RPO ${t.objectives.rpo})` : ''}: ${t.total ? `last ${t.runs.length} of ${t.total} run(s)` : 'no runs'}`);
    if (!t.runs.length) continue;
    const rows = [['started', 'kind', 'run', 'status', 'RTA / RTO', 'resource', 'RPA / RPO', 'data RPA / RPO', 'verdict']];
    for (const r of t.runs) {
      const res = r.resources.length ? r.resources : [{ id: '-', rpa: null, dataRpa: null }];
      res.forEach((x, i) => rows.push(i === 0
        ? [r.startedAt, r.kind, r.runId, r.status, fmt(r.rta), x.id, fmt(x.rpa), fmt(x.dataRpa), `${r.verdict}${r.intact ? '' : ' (chain BROKEN)'}`]
        : ['', '', '', '', '', x.id, fmt(x.rpa), fmt(x.dataRpa), '']));
    }
    lines.push(...table(rows).map((l) => `  ${l}`));
    for (const tr of t.trends) lines.push(`  ${trendLine(tr)}`);
    for (const r of t.runs) for (const p of r.problems) lines.push(`  ${p}`);
  }
  lines.push('');
  if (h.outsidePolicy.length) {
    lines.push(`not restore-tested within policy (${h.outsidePolicy.length}):`);
    for (const p of h.outsidePolicy) lines.push(`  ${policyLine(p)}`);
  } else {
    lines.push('every resource with a restore test passed one within its window');
  }
  for (const p of h.restoreTests.filter((x) => x.state === 'undeclared')) lines.push(`  ${p.resource} (tier ${p.tier}): the runbook declares no restoreTest for it (not checked)`);
  if (h.skipped.length) lines.push('', `${h.skipped.length} chain(s) could not be read as a run (e.g. ${h.skipped[0].runId}: ${h.skipped[0].why})`);
  return `${lines.join('\n')}\n`;
}

/** Adds `drctl history FILE|--runbook NAME [--runs N] [--json] [--from-store] [--dir DIR]`. */
export function registerHistory(program: Command): void {
  program
    .command('history')
    .description('a runbook\'s last runs per tier (RTA/RPA against objectives, trend) from the evidence, and resources not restore-tested within their window (restoreTest.every, default 7d)')
    .argument('[file]', 'the runbook file')
    .option('--runbook <name>', 'the runbook by name instead of a file (its windows come from the newest run\'s pinned copy)')
    .option('--runs <n>', 'runs per tier', '5')
    .option('--json', 'print the history as JSON')
    .option('--from-store', 'read the chains from the runbook\'s evidence bucket instead of the local copies')
    .option('--dir <dir>', 'local evidence folder (default: $DRCTL_EVIDENCE_DIR or .drctl/evidence)')
    .action(async (file: string | undefined, opts: HistoryOpts) => {
      if (Boolean(file) === Boolean(opts.runbook)) throw new CliError('give the runbook file, or --runbook NAME (not both)');
      const limit = Number(opts.runs);
      if (!Number.isInteger(limit) || limit < 1) throw new CliError(`--runs must be a whole number of at least 1, not "${opts.runs}"`);
      const dir = opts.dir ?? defaultEvidenceDir();
      const rb = file ? loadOrExit(file).runbook : undefined;
      const name = rb?.metadata.name ?? opts.runbook!;
      const local = localChains(dir);
      const mine = local
        .filter((c) => {
          const started = c.events.find((e) => (e as { type?: unknown } | null)?.type === 'run.started') as { data?: { runbook?: { name?: unknown } }; at?: string } | undefined;
          return started?.data?.runbook?.name === name;
        })
        .sort((a, b) => String((b.events[0] as { at?: string })?.at ?? '').localeCompare(String((a.events[0] as { at?: string })?.at ?? '')));
      // Without a file the windows and the store come from the newest run's pinned runbook.
      const runbook: unknown = rb ?? mine.find((c) => c.pinned)?.pinned;
      if (!runbook) throw new CliError(`no runs of runbook "${name}" in ${dir}: give the runbook file instead`);
      let chains: RunChain[] = mine;
      let source = `local copies in ${dir}`;
      if (opts.fromStore) {
        const store = rb ? evidenceStoreOf(rb) : (mine.find((c) => c.store)?.store ?? undefined);
        if (!store) throw new CliError(`runbook "${name}" names no evidence account: its runs are kept locally only (drop --from-store)`);
        chains = await storeChains(store, name);
        source = `s3://${store.bucket}/${store.prefix ?? ''}`;
      }
      const history = buildHistory(name, chains, { runs: limit, now: new Date().toISOString(), policies: restoreTestPolicies(runbook), tiers: tiersOf(runbook) });
      process.stdout.write(opts.json ? `${JSON.stringify(history, null, 2)}\n` : renderHistory(history, source));
      process.exitCode = history.outsidePolicy.length ? EXIT.failed : EXIT.ok;
    });
}
