import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildChain, canonicalJson, localRunDir, type EvidenceEventInput } from '../../activities/evidence';
import { parseRunbook } from '../../runbooks';
import { buildHistory, restoreTestPolicies, rtaTrend, tiersOf, type ResourcePolicyInput, type RunChain } from '../../runbooks/history';

const RB = 'payments';
const MIN = 60_000;
const m = (actualMs: number | null, objectiveMs: number) => ({ actualMs, objectiveMs, verdict: actualMs === null ? 'unmeasured' : actualMs <= objectiveMs ? 'met' : 'breached' });
const t = (minutes: number) => new Date(Date.UTC(2026, 11, 1) + minutes * MIN).toISOString();

/** Event inputs of a single-resource restore test (as workflows/restore-test.ts records them). */
function restoreTestEvents(o: { resource: string; tier: string; at: number; rtaMs: number | null; status?: string; parent?: string; runbook?: string; rpaMs?: number }): EvidenceEventInput[] {
  const objectives = { rto: '15m', rpo: '5m' };
  return [
    { seq: 1, type: 'run.started', at: t(o.at), actor: 'ci', data: { kind: 'restore-test', runbook: { name: o.runbook ?? RB, owner: 'x', sha256: 'a' }, initiator: 'ci', parent: o.parent, tier: o.tier, resource: o.resource, objectives } },
    { seq: 2, type: 'recovery-point.chosen', at: t(o.at), data: { resource: o.resource } },
    { seq: 3, type: 'measurement', at: t(o.at + 10), data: { resource: o.resource, tier: o.tier, objectives, rta: m(o.rtaMs, 15 * MIN), rpa: m(o.rpaMs ?? MIN, 5 * MIN), dataRpa: m(null, 5 * MIN), breached: [] } },
    { seq: 4, type: 'run.ended', at: t(o.at + 10), data: { status: o.status ?? 'PASSED', reasons: [] } },
  ];
}

/** Event inputs of a drill / incident: one measurement per tier. */
function failoverEvents(kind: string, at: number, tiers: Array<{ name: string; rtaMs: number; resources: string[] }>): EvidenceEventInput[] {
  const evs: EvidenceEventInput[] = [
    { seq: 1, type: 'operator', at: t(at), data: { action: 'pause' } }, // run.started need not be first
    { seq: 2, type: 'run.started', at: t(at), actor: 'ops', data: { kind, mode: kind, runbook: { name: RB, owner: 'x', sha256: 'a' }, initiator: 'ops', tiers: tiers.map((x) => x.name) } },
  ];
  for (const tier of tiers) {
    evs.push({ seq: evs.length + 1, type: 'measurement', at: t(at + 30), data: { tier: tier.name, objectives: { rto: '15m', rpo: '5m' }, rta: m(tier.rtaMs, 15 * MIN), resources: tier.resources.map((id) => ({ id, rpa: m(0, 5 * MIN), dataRpa: m(0, 5 * MIN) })) } });
  }
  evs.push({ seq: evs.length + 1, type: 'run.ended', at: t(at + 30), data: { status: 'COMPLETED', objectivesMet: true, reasons: [] } });
  return evs;
}

const chain = (runId: string, inputs: EvidenceEventInput[], intact = true): RunChain => ({ runId, events: buildChain(runId, inputs), intact });

const POLICIES: ResourcePolicyInput[] = [
  { resource: 'ledger-db', tier: 'ledger', declared: true, every: '7d' },
  { resource: 'journal-db', tier: 'ledger', declared: true, every: '1d' },
  { resource: 'payments-db', tier: 'payments', declared: true, every: '7d' },
  { resource: 'cards-db', tier: 'payments', declared: false, every: '7d' },
];

describe('rtaTrend', () => {
  it('compares the newest RTA with the median of the earlier ones', () => {
    expect(rtaTrend([10 * MIN, 20 * MIN, 21 * MIN, 19 * MIN])).toEqual({ trend: 'improving', latestMs: 10 * MIN, baselineMs: 20 * MIN });
    expect(rtaTrend([30 * MIN, 20 * MIN, 21 * MIN, 19 * MIN]).trend).toBe('worse');
    expect(rtaTrend([21 * MIN, 20 * MIN, 19 * MIN]).trend).toBe('steady'); // within 10%
    expect(rtaTrend([2500, 2000]).trend).toBe('steady'); // within the 1 s floor
    expect(rtaTrend([3500, 2000]).trend).toBe('worse');
  });

  it('is unknown with fewer than two measured runs', () => {
    expect(rtaTrend([])).toEqual({ trend: 'unknown', latestMs: null, baselineMs: null });
    expect(rtaTrend([5000])).toEqual({ trend: 'unknown', latestMs: 5000, baselineMs: null });
  });

  it('takes a custom tolerance', () => {
    expect(rtaTrend([105, 100], 0.01, 0).trend).toBe('worse');
  });
});

describe('buildHistory', () => {
  // Three restore verifications of the ledger tier (two resources each), a drill and an incident, one
  // payments restore test that failed, and noise: another runbook's run, the parent chain, a bad chain.
  const chains: RunChain[] = [
    chain('rv/1/ledger-db', restoreTestEvents({ resource: 'ledger-db', tier: 'ledger', at: 0, rtaMs: 10 * MIN, parent: 'rv/1' })),
    chain('rv/1/journal-db', restoreTestEvents({ resource: 'journal-db', tier: 'ledger', at: 1, rtaMs: 8 * MIN, parent: 'rv/1' })),
    chain('rv/1', [{ seq: 1, type: 'run.started', at: t(0), data: { kind: 'restore-verification', runbook: { name: RB }, initiator: 'ci' } }]),
    chain('drill-1', failoverEvents('drill', 60, [{ name: 'ledger', rtaMs: 4 * MIN, resources: ['ledger-db', 'journal-db'] }, { name: 'payments', rtaMs: 9 * MIN, resources: ['payments-db'] }])),
    chain('rv/2/ledger-db', restoreTestEvents({ resource: 'ledger-db', tier: 'ledger', at: 120, rtaMs: 11 * MIN, parent: 'rv/2' })),
    chain('rv/2/journal-db', restoreTestEvents({ resource: 'journal-db', tier: 'ledger', at: 121, rtaMs: 7 * MIN, parent: 'rv/2' })),
    chain('inc-1', failoverEvents('incident', 180, [{ name: 'ledger', rtaMs: 5 * MIN, resources: ['ledger-db', 'journal-db'] }])),
    chain('rv/3/ledger-db', restoreTestEvents({ resource: 'ledger-db', tier: 'ledger', at: 240, rtaMs: 14 * MIN, parent: 'rv/3' })),
    chain('rv/3/journal-db', restoreTestEvents({ resource: 'journal-db', tier: 'ledger', at: 241, rtaMs: null, status: 'FAILED', parent: 'rv/3' })),
    chain('rt-pay', restoreTestEvents({ resource: 'payments-db', tier: 'payments', at: 300, rtaMs: 20 * MIN, status: 'FAILED' })),
    chain('other', restoreTestEvents({ resource: 'ledger-db', tier: 'ledger', at: 400, rtaMs: 1, runbook: 'someone-else' })),
    { runId: 'junk', events: ['not json', { type: 'action', at: t(0), data: {} }] },
  ];
  const now = t(24 * 60 * 3); // three days after the first run
  const h = buildHistory(RB, chains, { now, runs: 5, policies: POLICIES });

  it('keeps only this runbook\'s runs and reports chains it cannot read', () => {
    expect(h.chains).toBe(9);
    expect(h.skipped).toEqual([{ runId: 'junk', why: 'no run.started event' }]);
    expect(h.tiers.map((x) => x.name)).toEqual(['ledger', 'payments']);
  });

  it('lists runs newest first, a restore verification as one row under its parent id', () => {
    const ledger = h.tiers[0];
    expect(ledger.runs.map((r) => [r.kind, r.runId])).toEqual([
      ['restore-test', 'rv/3'], ['incident', 'inc-1'], ['restore-test', 'rv/2'], ['drill', 'drill-1'], ['restore-test', 'rv/1'],
    ]);
    expect(ledger.runs[2]).toMatchObject({ chains: ['rv/2/ledger-db', 'rv/2/journal-db'], startedAt: t(120), status: 'PASSED', verdict: 'met' });
    expect(ledger.runs[2].resources.map((x) => x.id)).toEqual(['journal-db', 'ledger-db']);
    // the tier's RTA in a restore verification is its slowest resource
    expect(ledger.runs[2].rta).toEqual(m(11 * MIN, 15 * MIN));
    // a resource that failed before validation leaves the tier's RTA unmeasured
    expect(ledger.runs[0]).toMatchObject({ status: 'FAILED', rta: { actualMs: null, verdict: 'unmeasured' }, verdict: 'unmeasured' });
  });

  it('limits the rows per tier and counts the rest', () => {
    const two = buildHistory(RB, chains, { now, runs: 2, policies: POLICIES });
    expect(two.tiers[0].runs.map((r) => r.runId)).toEqual(['rv/3', 'inc-1']);
    expect(two.tiers[0].total).toBe(5);
  });

  it('computes a trend per kind of run from the measured RTAs', () => {
    const ledger = Object.fromEntries(h.tiers[0].trends.map((x) => [x.kind, x]));
    // restore tests: rv/3 is unmeasured, so rv/2 (11m) against rv/1 (10m): within 10%
    expect(ledger['restore-test']).toEqual({ kind: 'restore-test', trend: 'steady', latestMs: 11 * MIN, baselineMs: 10 * MIN, runs: 2 });
    expect(ledger.incident).toMatchObject({ trend: 'unknown', runs: 1 });
    expect(ledger.drill).toMatchObject({ trend: 'unknown', runs: 1 });
    const pay = Object.fromEntries(h.tiers[1].trends.map((x) => [x.kind, x]));
    expect(pay['restore-test'].trend).toBe('unknown');
    expect(h.tiers[1].runs[0]).toMatchObject({ runId: 'rt-pay', verdict: 'breached' });
  });

  it('a worse restore-test RTA is called worse', () => {
    const slower = [...chains, chain('rv/4/ledger-db', restoreTestEvents({ resource: 'ledger-db', tier: 'ledger', at: 500, rtaMs: 14 * MIN, parent: 'rv/4' }))];
    const trend = buildHistory(RB, slower, { now, policies: POLICIES }).tiers[0].trends.find((x) => x.kind === 'restore-test')!;
    // rv/3 is unmeasured: 14m against the median of 11m and 10m
    expect(trend).toMatchObject({ trend: 'worse', latestMs: 14 * MIN, baselineMs: 10.5 * MIN, runs: 3 });
  });

  it('checks each resource\'s last passed restore test against its window', () => {
    const byId = Object.fromEntries(h.restoreTests.map((p) => [p.resource, p]));
    expect(byId['ledger-db']).toMatchObject({ state: 'within', every: '7d', lastPassed: { runId: 'rv/3/ledger-db', at: t(250) } });
    // journal-db last passed in rv/2 (ended at 131 minutes), older than its 1d window
    expect(byId['journal-db']).toMatchObject({ state: 'expired', every: '1d', lastPassed: { runId: 'rv/2/journal-db', at: t(131) }, ageMs: Date.parse(now) - Date.parse(t(131)) });
    // payments-db only ever failed; a drill restore is not a restore test
    expect(byId['payments-db']).toMatchObject({ state: 'never', lastPassed: null, ageMs: null });
    expect(byId['cards-db']).toMatchObject({ state: 'undeclared' });
    expect(h.outsidePolicy.map((p) => p.resource)).toEqual(['journal-db', 'payments-db']);
  });

  it('does not count a passed test whose chain is broken', () => {
    const broken = chains.map((c) => (c.runId === 'rv/3/ledger-db' ? { ...c, intact: false, problem: 'event 2 was changed' } : c));
    const b = buildHistory(RB, broken, { now, policies: POLICIES });
    expect(b.restoreTests.find((p) => p.resource === 'ledger-db')!.lastPassed!.runId).toBe('rv/2/ledger-db');
    expect(b.tiers[0].runs[0]).toMatchObject({ intact: false, problems: ['rv/3/ledger-db: event 2 was changed'] });
  });

  it('checks no window without policies', () => {
    expect(buildHistory(RB, chains, { now }).restoreTests).toEqual([]);
  });
});

describe('restoreTestPolicies and restoreTest.every', () => {
  const source = fs.readFileSync(path.join(__dirname, '..', '..', 'runbooks', 'examples', 'sandbox-demo.yaml'), 'utf8');

  it('reads every resource with its window, 7d by default', () => {
    const withEvery = source.replace('from: { backupVault: ledger-vault, pick: latest, within: 7d }', 'from: { backupVault: ledger-vault, pick: latest, within: 7d }\n          every: 1d');
    const r = parseRunbook(withEvery, 'demo.yaml');
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(restoreTestPolicies(r.loaded.runbook)).toEqual([
      { resource: 'ledger-db', tier: 'ledger', declared: true, every: '1d' },
      { resource: 'payments-db', tier: 'payments', declared: true, every: '7d' },
      { resource: 'reporting-db', tier: 'reporting', declared: true, every: '7d' },
    ]);
  });

  it('gives tiers without runs their objectives from the runbook', () => {
    const r = parseRunbook(source, 'demo.yaml');
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const h = buildHistory('demo-payments-platform', [], { now: t(0), tiers: tiersOf(r.loaded.runbook), policies: restoreTestPolicies(r.loaded.runbook) });
    expect(h.tiers.map((x) => [x.name, x.objectives, x.total])).toEqual([
      ['ledger', { rto: '15m', rpo: '5m' }, 0], ['payments', { rto: '30m', rpo: '15m' }, 0], ['reporting', { rto: '4h', rpo: '24h' }, 0],
    ]);
    expect(h.outsidePolicy.map((p) => p.state)).toEqual(['never', 'never', 'never']);
  });

  it('rejects a window that is not a duration', () => {
    const bad = source.replace('from: { backupVault: ledger-vault, pick: latest, within: 7d }', 'from: { backupVault: ledger-vault, pick: latest, within: 7d }\n          every: weekly');
    const r = parseRunbook(bad, 'demo.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0].path).toContain('every');
  });
});

describe('drctl history (CLI over a local evidence folder)', () => {
  const DRCTL = path.join(__dirname, '..', '..', 'bin', 'drctl.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drctl-history-'));
  const runbookFile = path.join(dir, 'runbook.yaml');
  const source = fs.readFileSync(path.join(__dirname, '..', '..', 'runbooks', 'examples', 'sandbox-demo.yaml'), 'utf8');
  const name = 'demo-payments-platform';
  const write = (runId: string, inputs: EvidenceEventInput[]) => {
    const d = localRunDir(path.join(dir, 'evidence'), runId);
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, 'events.jsonl'), buildChain(runId, inputs).map((e) => `${canonicalJson(e)}\n`).join(''));
  };
  const hoursAgo = (h: number) => (Date.now() - h * 3_600_000 - Date.UTC(2026, 11, 1)) / MIN;
  const drctl = (...args: string[]) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DRCTL_SANDBOX_DIR: path.join(dir, 'no-sandbox') };
    delete env.TEMPORAL_ADDRESS;
    return spawnSync(process.execPath, [DRCTL, 'history', ...args], { encoding: 'utf8', env, timeout: 60_000 });
  };

  beforeAll(() => {
    fs.writeFileSync(runbookFile, source);
    for (const [resource, tier] of [['ledger-db', 'ledger'], ['payments-db', 'payments'], ['reporting-db', 'reporting']]) {
      write(`rv/${resource}`, restoreTestEvents({ resource, tier, at: hoursAgo(2), rtaMs: 3 * MIN, runbook: name }));
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exits 0 when every resource passed a restore test within its window', () => {
    const r = drctl(runbookFile, '--dir', path.join(dir, 'evidence'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('every resource with a restore test passed one within its window');
    expect(r.stdout).toMatch(/tier ledger \(RTO 15m, RPO 5m\): last 1 of 1 run\(s\)/);
  });

  it('exits 1 and names the resource when its last pass is older than its window', () => {
    fs.writeFileSync(runbookFile, source.replace('from: { snapshots: automated, pick: random, within: 14d }', 'from: { snapshots: automated, pick: random, within: 14d }\n          every: 1h'));
    const r = drctl(runbookFile, '--dir', path.join(dir, 'evidence'));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('not restore-tested within policy (1):');
    expect(r.stdout).toMatch(/payments-db \(tier payments\): last passed .* ago, rv\/payments-db\); window 1h/);
  });

  it('does not count an edited chain', () => {
    const file = path.join(localRunDir(path.join(dir, 'evidence'), 'rv/ledger-db'), 'events.jsonl');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"status":"PASSED"', '"status":"PASSED","note":"x"'));
    const r = drctl(runbookFile, '--dir', path.join(dir, 'evidence'), '--json');
    expect(r.status).toBe(1);
    const h = JSON.parse(r.stdout);
    expect(h.outsidePolicy.map((p: { resource: string; state: string }) => `${p.resource} ${p.state}`)).toEqual(['ledger-db never', 'payments-db expired']);
    expect(h.tiers[0].runs[0].intact).toBe(false);
  });

  it('exits 2 on bad input', () => {
    expect(drctl().status).toBe(2);
    expect(drctl(runbookFile, '--runs', '0').status).toBe(2);
    const r = drctl('--runbook', 'nothing-here', '--dir', path.join(dir, 'evidence'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no runs of runbook "nothing-here"');
  });
});
