/**
 * `drctl history`: what a runbook's evidence chains say over time. Pure functions over the events of
 * many runs (as read from the local copies or the evidence store): per tier, the last runs with RTA
 * against RTO and RPA against RPO per resource, a trend of the RTA, and the resources whose last
 * passed restore test is older than their policy window (`restoreTest.every`, default 7d).
 *
 * A restore verification records one chain per resource (kind restore-test, with `parent`) plus a
 * parent chain holding only verdicts; the children are grouped back into one run by their parent, and
 * the parent chain itself is not read. Drills, incident failovers and failbacks record one
 * `measurement` event per tier.
 */
import { durationMs } from './duration';
import type { Measured, Verdict } from './measure';

/** The default policy window when a resource's `restoreTest` names no `every`. */
export const DEFAULT_RESTORE_TEST_EVERY = '7d';

/** One run's chain as read from the store or a local copy. */
export interface RunChain {
  runId: string;
  /** The events in storage order (unparsable entries are skipped). */
  events: readonly unknown[];
  /** False when the chain failed verification: it is shown, but never counts as a passed restore test. */
  intact?: boolean;
  /** Why the chain is not intact (the first break). */
  problem?: string;
}

export interface HistoryResource {
  id: string;
  /** Restore tests only: this resource's own RTA. */
  rta?: Measured | null;
  rpa: Measured | null;
  dataRpa: Measured | null;
  /** Restore tests only: this resource's own run status. */
  status?: string;
}

export interface HistoryRun {
  kind: string;
  /** The run id (for a restore verification, the parent's id). */
  runId: string;
  /** The chains the row was read from (a restore verification: one per resource of the tier). */
  chains: string[];
  startedAt: string;
  endedAt: string | null;
  /** run.ended status, `incomplete` when the chain has none. */
  status: string;
  initiator?: string;
  objectives?: { rto: string; rpo: string };
  /** The tier's RTA (restore tests: the slowest resource, a breach or a gap winning). */
  rta: Measured | null;
  resources: HistoryResource[];
  /** breached when any objective was breached, unmeasured when the RTA or a recovery point could not be measured. */
  verdict: Verdict;
  /** Every chain behind the row verified. */
  intact: boolean;
  problems: string[];
}

export type Trend = 'improving' | 'worse' | 'steady' | 'unknown';

export interface TierTrend {
  kind: string;
  trend: Trend;
  /** RTA of the newest run of this kind with a measured RTA. */
  latestMs: number | null;
  /** Median RTA of the earlier runs it is compared with. */
  baselineMs: number | null;
  /** Runs with a measured RTA the trend is computed from (newest first, at most the --runs limit). */
  runs: number;
}

export interface TierHistory {
  name: string;
  /** The runbook's objectives when given (`tiers`), else those the newest run recorded. */
  objectives?: { rto: string; rpo: string };
  /** Newest first, at most `runs`. */
  runs: HistoryRun[];
  /** Runs of this tier in the evidence, before the limit. */
  total: number;
  /** One trend per kind of run (restore-test RTAs are not comparable with drill RTAs). */
  trends: TierTrend[];
}

export interface ResourcePolicy {
  resource: string;
  tier: string;
  /** The resource declares a restore test at all. */
  declared: boolean;
  every: string;
  lastPassed: { runId: string; at: string } | null;
  /** Time since the last passed test (ms), when there was one. */
  ageMs: number | null;
  /** within: tested in the window; expired: the last pass is older; never: no intact passed test; undeclared: no restoreTest in the runbook. */
  state: 'within' | 'expired' | 'never' | 'undeclared';
}

export interface History {
  runbook: string;
  now: string;
  /** Runs read for this runbook (chains of other runbooks are left out). */
  chains: number;
  tiers: TierHistory[];
  restoreTests: ResourcePolicy[];
  /** Declared resources outside their window (expired or never): `drctl history` exits 1 when any. */
  outsidePolicy: ResourcePolicy[];
  /** Chains that could not be read as a run. */
  skipped: Array<{ runId: string; why: string }>;
}

/** What a policy check needs to know about a resource (from a runbook or a pinned copy of one). */
export interface ResourcePolicyInput {
  resource: string;
  tier: string;
  declared: boolean;
  every: string;
}

export interface HistoryOptions {
  /** Runs per tier. @default 5 */
  runs?: number;
  /** ISO time the policy windows are measured to. */
  now: string;
  /** The runbook's resources and their windows; without it no window is checked. */
  policies?: ResourcePolicyInput[];
  /** The runbook's tiers in order, with their current objectives (see `tiersOf`). */
  tiers?: Array<{ name: string; objectives?: { rto: string; rpo: string } }>;
  /** Relative RTA change still called steady. @default 0.1 */
  steadyRatio?: number;
  /** Absolute RTA change still called steady (ms). @default 1000 */
  steadyMs?: number;
}

// ---------------------------------------------------------------------------------------------
// Reading one chain

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

interface Ev {
  seq: number;
  type: string;
  at: string;
  actor?: string;
  data: Obj;
}

function events(chain: RunChain): Ev[] {
  const out: Ev[] = [];
  for (const e of chain.events) {
    if (!isObj(e) || typeof e.type !== 'string' || typeof e.at !== 'string' || !isObj(e.data)) continue;
    out.push({ seq: typeof e.seq === 'number' ? e.seq : out.length + 1, type: e.type, at: e.at, actor: str(e.actor), data: e.data });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

function measured(v: unknown): Measured | null {
  if (!isObj(v) || typeof v.objectiveMs !== 'number') return null;
  const verdict = v.verdict === 'met' || v.verdict === 'breached' || v.verdict === 'unmeasured' ? v.verdict : 'unmeasured';
  return { actualMs: typeof v.actualMs === 'number' ? v.actualMs : null, objectiveMs: v.objectiveMs, verdict };
}

function objectivesOf(v: unknown): { rto: string; rpo: string } | undefined {
  return isObj(v) && typeof v.rto === 'string' && typeof v.rpo === 'string' ? { rto: v.rto, rpo: v.rpo } : undefined;
}

/** One chain read as a run: its kind, runbook, start and end, and what it measured per tier. */
export interface ParsedRun {
  runId: string;
  kind: string;
  runbook: string;
  startedAt: string;
  endedAt: string | null;
  status: string;
  initiator?: string;
  intact: boolean;
  problem?: string;
  /** Restore tests: the restore verification it ran in, and the resource it tested. */
  parent?: string;
  resource?: string;
  /** Per tier: objectives (as recorded by the run), RTA and resources. */
  tiers: Array<{ name: string; objectives?: { rto: string; rpo: string }; rta: Measured | null; resources: HistoryResource[] }>;
}

export function parseRun(chain: RunChain): ParsedRun | { skip: string } {
  const evs = events(chain);
  const started = evs.find((e) => e.type === 'run.started');
  if (!started) return { skip: evs.length ? 'no run.started event' : 'no readable events' };
  const d = started.data;
  const kind = str(d.kind);
  const runbook = isObj(d.runbook) ? str(d.runbook.name) : undefined;
  if (!kind || !runbook) return { skip: 'run.started names no kind or runbook' };
  const ended = [...evs].reverse().find((e) => e.type === 'run.ended');
  const intact = chain.intact !== false;
  const run: ParsedRun = {
    runId: chain.runId, kind, runbook, startedAt: started.at, endedAt: ended?.at ?? null,
    status: (ended && str(ended.data.status)) ?? 'incomplete', initiator: str(d.initiator) ?? started.actor, intact, problem: chain.problem,
    parent: str(d.parent), resource: str(d.resource), tiers: [],
  };
  for (const m of evs.filter((e) => e.type === 'measurement')) {
    const tier = str(m.data.tier) ?? str(d.tier);
    if (!tier) continue;
    if (kind === 'restore-test') {
      const id = str(m.data.resource) ?? run.resource ?? '?';
      const rta = measured(m.data.rta);
      run.tiers.push({ name: tier, objectives: objectivesOf(m.data.objectives), rta, resources: [{ id, rta, rpa: measured(m.data.rpa), dataRpa: measured(m.data.dataRpa), status: run.status }] });
    } else {
      const resources = Array.isArray(m.data.resources) ? m.data.resources.filter(isObj) : [];
      run.tiers.push({
        name: tier, objectives: objectivesOf(m.data.objectives), rta: measured(m.data.rta),
        resources: resources.map((r) => ({ id: str(r.id) ?? '?', rpa: measured(r.rpa), dataRpa: measured(r.dataRpa) })),
      });
    }
  }
  // A restore test that ended before measuring still belongs to its tier.
  if (kind === 'restore-test' && run.tiers.length === 0 && str(d.tier)) {
    run.tiers.push({ name: str(d.tier)!, objectives: objectivesOf(d.objectives), rta: null, resources: [{ id: run.resource ?? '?', rta: null, rpa: null, dataRpa: null, status: run.status }] });
  }
  return run;
}

// ---------------------------------------------------------------------------------------------
// Verdicts and trends

/** The worst of several measurements of one objective: a breach wins, then a gap, else the slowest. */
export function worstMeasure(ms: Array<Measured | null | undefined>): Measured | null {
  const present = ms.filter((m): m is Measured => Boolean(m));
  if (present.length === 0) return null;
  const breached = present.filter((m) => m.verdict === 'breached');
  if (breached.length) return breached.reduce((a, b) => ((b.actualMs ?? 0) > (a.actualMs ?? 0) ? b : a));
  if (present.length < ms.length || present.some((m) => m.verdict === 'unmeasured')) return { actualMs: null, objectiveMs: present[0].objectiveMs, verdict: 'unmeasured' };
  return present.reduce((a, b) => ((b.actualMs ?? 0) > (a.actualMs ?? 0) ? b : a));
}

/**
 * A row's verdict: breached when any objective was breached; unmeasured when the RTA or a recovery
 * point could not be measured; else met. A data-level RPA without a freshness check stays unjudged.
 */
export function rowVerdict(rta: Measured | null, resources: HistoryResource[]): Verdict {
  const all = [rta, ...resources.flatMap((r) => [r.rta, r.rpa, r.dataRpa])];
  if (all.some((m) => m?.verdict === 'breached')) return 'breached';
  if (!rta || rta.verdict === 'unmeasured') return 'unmeasured';
  if (resources.some((r) => !r.rpa || r.rpa.verdict === 'unmeasured')) return 'unmeasured';
  return 'met';
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * The trend of RTAs given newest first: the newest against the median of the earlier ones. Within
 * `max(ratio × baseline, absMs)` of it is steady, faster is improving, slower is worse; fewer than two
 * values is unknown.
 */
export function rtaTrend(newestFirst: number[], ratio = 0.1, absMs = 1000): { trend: Trend; latestMs: number | null; baselineMs: number | null } {
  if (newestFirst.length === 0) return { trend: 'unknown', latestMs: null, baselineMs: null };
  const latest = newestFirst[0];
  if (newestFirst.length < 2) return { trend: 'unknown', latestMs: latest, baselineMs: null };
  const baseline = median(newestFirst.slice(1));
  const delta = latest - baseline;
  const tolerance = Math.max(ratio * baseline, absMs);
  const trend: Trend = Math.abs(delta) <= tolerance ? 'steady' : delta < 0 ? 'improving' : 'worse';
  return { trend, latestMs: latest, baselineMs: baseline };
}

// ---------------------------------------------------------------------------------------------
// The history

const newestFirst = <T extends { startedAt: string; runId: string }>(a: T, b: T) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || (a.runId < b.runId ? 1 : -1);

const STATUS_RANK = ['PASSED', 'COMPLETED', 'incomplete', 'CANCELLED', 'ABORTED', 'REFUSED', 'FAILED', 'ERROR'];
const worseStatus = (a: string, b: string) => (Math.max(STATUS_RANK.indexOf(a), 0) >= Math.max(STATUS_RANK.indexOf(b), 0) ? a : b);

/** The rows of one tier: one per run, the children of a restore verification merged into one row. */
function tierRows(runs: ParsedRun[], tier: string): HistoryRun[] {
  const byRow = new Map<string, HistoryRun>();
  for (const r of runs) {
    for (const t of r.tiers.filter((x) => x.name === tier)) {
      const key = r.kind === 'restore-test' && r.parent ? r.parent : r.runId;
      const problems = r.problem ? [`${r.runId}: ${r.problem}`] : r.intact ? [] : [`${r.runId}: evidence chain broken`];
      const row = byRow.get(`${r.kind}\n${key}`);
      if (!row) {
        byRow.set(`${r.kind}\n${key}`, {
          kind: r.kind, runId: key, chains: [r.runId], startedAt: r.startedAt, endedAt: r.endedAt, status: r.status, initiator: r.initiator,
          objectives: t.objectives, rta: t.rta, resources: [...t.resources], verdict: 'met', intact: r.intact, problems,
        });
        continue;
      }
      if (!row.chains.includes(r.runId)) row.chains.push(r.runId);
      if (Date.parse(r.startedAt) < Date.parse(row.startedAt)) row.startedAt = r.startedAt;
      if (r.endedAt === null || row.endedAt === null) row.endedAt = null;
      else if (Date.parse(r.endedAt) > Date.parse(row.endedAt)) row.endedAt = r.endedAt;
      row.status = worseStatus(row.status, r.status);
      row.objectives ??= t.objectives;
      row.resources.push(...t.resources);
      row.intact &&= r.intact;
      row.problems.push(...problems);
    }
  }
  const rows = [...byRow.values()];
  for (const row of rows) {
    if (row.kind === 'restore-test') row.rta = worstMeasure(row.resources.map((x) => x.rta));
    row.resources.sort((a, b) => a.id.localeCompare(b.id));
    row.verdict = rowVerdict(row.rta, row.resources);
  }
  return rows.sort(newestFirst);
}

/** The resources of a runbook (or of the pinned copy of one) with their restore-test windows. */
export function restoreTestPolicies(runbook: unknown): ResourcePolicyInput[] {
  const out: ResourcePolicyInput[] = [];
  const tiers = isObj(runbook) && Array.isArray(runbook.tiers) ? runbook.tiers.filter(isObj) : [];
  for (const t of tiers) {
    const resources = Array.isArray(t.resources) ? t.resources.filter(isObj) : [];
    for (const r of resources) {
      const rt = isObj(r.restoreTest) ? r.restoreTest : undefined;
      out.push({ resource: str(r.id) ?? '?', tier: str(t.name) ?? '?', declared: Boolean(rt), every: str(rt?.every) ?? DEFAULT_RESTORE_TEST_EVERY });
    }
  }
  return out;
}

/** The tiers of a runbook (or of the pinned copy of one), in order, with their objectives. */
export function tiersOf(runbook: unknown): Array<{ name: string; objectives?: { rto: string; rpo: string } }> {
  const tiers = isObj(runbook) && Array.isArray(runbook.tiers) ? runbook.tiers.filter(isObj) : [];
  return tiers.map((t) => ({ name: str(t.name) ?? '?', objectives: objectivesOf(t.objectives) }));
}

/** Where each resource stands against its window: its last intact, passed restore test. */
export function checkPolicies(runs: ParsedRun[], policies: ResourcePolicyInput[], now: string): ResourcePolicy[] {
  const nowMs = Date.parse(now);
  return policies.map((p) => {
    const passed = runs
      .filter((r) => r.kind === 'restore-test' && r.resource === p.resource && r.status === 'PASSED' && r.intact)
      .map((r) => ({ runId: r.runId, at: r.endedAt ?? r.startedAt }))
      .sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
    const last = passed[0] ?? null;
    const ageMs = last ? nowMs - Date.parse(last.at) : null;
    const state: ResourcePolicy['state'] = !p.declared ? 'undeclared' : !last ? 'never' : ageMs! > durationMs(p.every) ? 'expired' : 'within';
    return { resource: p.resource, tier: p.tier, declared: p.declared, every: p.every, lastPassed: last, ageMs, state };
  });
}

/** The history of one runbook from its runs' chains (chains of other runbooks are ignored). */
export function buildHistory(runbook: string, chains: RunChain[], opts: HistoryOptions): History {
  const limit = opts.runs ?? 5;
  const skipped: History['skipped'] = [];
  const runs: ParsedRun[] = [];
  for (const c of chains) {
    const r = parseRun(c);
    if ('skip' in r) skipped.push({ runId: c.runId, why: r.skip });
    else if (r.runbook === runbook && r.kind !== 'restore-verification') runs.push(r);
  }
  // Tiers in the runbook's order when known, then any others the evidence holds.
  const names = [...new Set([...(opts.tiers ?? []).map((t) => t.name), ...(opts.policies ?? []).map((p) => p.tier), ...runs.flatMap((r) => r.tiers.map((t) => t.name))])];
  const tiers: TierHistory[] = [];
  for (const name of names) {
    const rows = tierRows(runs, name);
    const kinds = [...new Set(rows.map((r) => r.kind))];
    const trends = kinds.map((kind): TierTrend => {
      const values = rows.filter((r) => r.kind === kind && r.rta && r.rta.actualMs !== null).slice(0, limit).map((r) => r.rta!.actualMs!);
      return { kind, ...rtaTrend(values, opts.steadyRatio, opts.steadyMs), runs: values.length };
    });
    const declared = opts.tiers?.find((t) => t.name === name)?.objectives;
    tiers.push({ name, objectives: declared ?? rows.find((r) => r.objectives)?.objectives, runs: rows.slice(0, limit), total: rows.length, trends });
  }
  const restoreTests = opts.policies ? checkPolicies(runs, opts.policies, opts.now) : [];
  return {
    runbook, now: opts.now, chains: runs.length, tiers, restoreTests,
    outsidePolicy: restoreTests.filter((p) => p.state === 'expired' || p.state === 'never'), skipped,
  };
}
