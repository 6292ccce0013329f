/**
 * Evidence of a restore verification: each run (the verification and its child) writes a hash chain
 * to the evidence account's bucket, every event its own object under Object Lock (compliance mode,
 * the runbook's retention), pins the runbook, and keeps a local copy. `drctl evidence verify` passes
 * on it; tampering in S3 (an overwritten event, a delete marker, swapped events) and in the local copy
 * is caught with the right first break. No secret of the sandbox is in any event or log line.
 */
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AwsSessions } from '../../activities/aws';
import { buildChain, createEvidenceActivities, eventKey, readLocalEvidence, type EvidenceEvent, type EvidenceEventInput, type EvidenceStore } from '../../activities/evidence';
import { restoreVerification } from '../../workflows';
import type { RestoreVerificationResult } from '../../workflows/restore-verification';
import { drctl } from '../harness/cli';
import { awsConfig, sandboxState } from '../harness/sandbox';
import { ACCOUNT_IDS, DEMO_RUNBOOK_FILE, demoRunbook, queuePrefix, startTestWorkers, testClient } from '../harness/temporal';
import type { RunningWorkers } from '../../worker/worker';

const BUCKET = 'drctl-demo-evidence';
const REGION = 'us-east-1';
const prefix = queuePrefix('evidence');
const evidenceDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drctl-evidence-it-'));
const savedDir = process.env.DRCTL_EVIDENCE_DIR;
const STORE: EvidenceStore = {
  account: { alias: 'evidence', id: ACCOUNT_IDS.evidence, role: `arn:aws:iam::${ACCOUNT_IDS.evidence}:role/drctl-evidence` },
  region: REGION, bucket: BUCKET, prefix: '', retention: '1d',
};

let workers: RunningWorkers;
let temporal: Awaited<ReturnType<typeof testClient>>;
let result: RestoreVerificationResult;
let s3: S3Client;
let childId: string;

async function text(key: string, versionId?: string): Promise<string> {
  return (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, VersionId: versionId }))).Body!.transformToString();
}

async function keysOf(runId: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `runs/${runId}/` }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

/** A chain written through the activity itself (locked, like a run's), for one tampering each. */
async function syntheticChain(name: string, n = 5): Promise<string> {
  const s = sandboxState();
  const aws = new AwsSessions({ endpoint: s.moto.endpoint, credentials: { accessKeyId: s.aws.accessKeyId, secretAccessKey: s.aws.secretAccessKey }, maxAttempts: 2 });
  const acts = createEvidenceActivities(aws, { localDir: evidenceDir });
  const runId = `${prefix}-synthetic-${name}`;
  const events: EvidenceEventInput[] = Array.from({ length: n }, (_, i) => ({
    seq: i + 1, type: i === 0 ? 'run.started' : i === n - 1 ? 'run.ended' : 'action', at: new Date().toISOString(), data: { i },
  }));
  await acts.appendEvidence({ runId, store: STORE, events: events.slice(0, 2), runbookCopy: { name: 'synthetic', sha256: '0'.repeat(64), runbook: {} } });
  await acts.appendEvidence({ runId, store: STORE, events: events.slice(2) });
  aws.close();
  return runId;
}

beforeAll(async () => {
  process.env.DRCTL_EVIDENCE_DIR = evidenceDir; // the workers' local copies, and the CLI's (it inherits the env)
  workers = await startTestWorkers(prefix);
  temporal = await testClient();
  s3 = new S3Client({ ...(await awsConfig(ACCOUNT_IDS.evidence, REGION)), forcePathStyle: true });
  const { runbook, runbookSha256 } = demoRunbook();
  result = await temporal.client.workflow.execute(restoreVerification, {
    taskQueue: prefix, workflowId: `${prefix}-rv`,
    args: [{ runbook, runbookSha256, initiator: 'jest:evidence', taskQueuePrefix: prefix, resources: ['reporting-db'] }],
  });
  childId = result.results[0]?.workflowId;
});

afterAll(async () => {
  await workers?.shutdown();
  await temporal?.close();
  s3?.destroy();
  if (savedDir === undefined) delete process.env.DRCTL_EVIDENCE_DIR;
  else process.env.DRCTL_EVIDENCE_DIR = savedDir;
  fs.rmSync(evidenceDir, { recursive: true, force: true });
});

it('the run passes and names its chains: the verification\'s and the child\'s', () => {
  expect(result.status).toBe('PASSED');
  expect(childId).toBe(`${prefix}-rv/reporting-db`);
  expect(result.evidence).toMatchObject({ runId: `${prefix}-rv`, location: `s3://${BUCKET}/runs/${prefix}-rv/`, problems: [] });
  const child = result.results[0].evidence!;
  expect(child).toMatchObject({ runId: childId, location: `s3://${BUCKET}/runs/${childId}/`, problems: [] });
  expect(child.stored).toBe(child.events);
  expect(child.head).toMatch(/^[0-9a-f]{64}$/);
});

it('writes every event of the child as its own object, in order, from run.started to run.ended', async () => {
  const keys = await keysOf(childId);
  const eventKeys = keys.filter((k) => k.includes('/events/'));
  expect(eventKeys).toEqual(Array.from({ length: result.results[0].evidence!.stored }, (_, i) => eventKey({ prefix: '' }, childId, i + 1)));
  expect(keys).toContain(`runs/${childId}/runbook.json`);
  const events = await Promise.all(eventKeys.map(async (k) => JSON.parse(await text(k)) as EvidenceEvent));
  const types = events.map((e) => e.type);
  expect(types[0]).toBe('run.started');
  expect(types[types.length - 1]).toBe('run.ended');
  for (const t of ['recovery-point.chosen', 'preflight', 'action', 'validation', 'measurement', 'cleanup', 'leak-scan']) expect(types).toContain(t);
  const started = events[0];
  expect(started.actor).toBe('jest:evidence');
  expect(started.data).toMatchObject({ kind: 'restore-test', initiator: 'jest:evidence', parent: `${prefix}-rv`, protectedStore: true, store: { accountId: ACCOUNT_IDS.evidence, bucket: BUCKET, retention: '7d' } });
  expect((started.data.runbook as { sha256: string }).sha256).toBe(result.runbook.sha256);
  const actions = events.filter((e) => e.type === 'action').map((e) => e.data);
  expect(actions.map((a) => a.operation)).toEqual(['rds:CopyDBSnapshot+ModifyDBSnapshotAttribute', 'rds:CopyDBSnapshot', 'rds:RestoreDBInstanceFromDBSnapshot']);
  expect(actions[2]).toMatchObject({ accountId: ACCOUNT_IDS.restoreTest, region: REGION, resourceArn: result.results[0].restored!.arn });
  expect(events.find((e) => e.type === 'validation')!.data).toMatchObject({ check: 'report rows', sql: 'select count(*) from daily_positions', passed: true });
  expect(events.find((e) => e.type === 'recovery-point.chosen')!.data).toMatchObject({ arn: result.results[0].recoveryPoint!.arn });
  expect(events[events.length - 1].data).toMatchObject({ status: 'PASSED', reasons: [] });
  const pinned = JSON.parse(await text(`runs/${childId}/runbook.json`)) as { sha256: string; runbook: { metadata: { name: string } } };
  expect(pinned.sha256).toBe(result.runbook.sha256);
  expect(pinned.runbook.metadata.name).toBe('demo-payments-platform');
});

it('the verification\'s own chain records each child\'s result and head', async () => {
  const keys = (await keysOf(`${prefix}-rv`)).filter((k) => k.startsWith(`runs/${prefix}-rv/events/`));
  const events = await Promise.all(keys.map(async (k) => JSON.parse(await text(k)) as EvidenceEvent));
  expect(events.map((e) => e.type)).toEqual(['run.started', 'child.result', 'run.ended']);
  expect(events[1].data).toMatchObject({ resource: 'reporting-db', runId: childId, status: 'PASSED', evidenceHead: result.results[0].evidence!.head });
});

it('locks each object in compliance mode until now + the runbook\'s retention, and a locked version cannot be deleted', async () => {
  const key = eventKey({ prefix: '' }, childId, 1);
  const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
  expect(head.ObjectLockMode).toBe('COMPLIANCE');
  const until = head.ObjectLockRetainUntilDate!.getTime();
  const sevenDays = 7 * 24 * 3600_000;
  expect(until).toBeGreaterThan(Date.now() + sevenDays - 15 * 60_000);
  expect(until).toBeLessThanOrEqual(Date.now() + sevenDays);
  await expect(s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key, VersionId: head.VersionId }))).rejects.toMatchObject({ name: 'AccessDenied' });
  expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key, VersionId: head.VersionId }))).VersionId).toBe(head.VersionId);
});

it('keeps a local copy for reports, identical to the stored chain', async () => {
  const local = readLocalEvidence(evidenceDir, childId);
  expect(local.store).toMatchObject({ bucket: BUCKET, account: { id: ACCOUNT_IDS.evidence } });
  const stored = await Promise.all((await keysOf(childId)).filter((k) => k.includes('/events/')).map(async (k) => JSON.parse(await text(k)) as unknown));
  expect(local.events).toEqual(stored);
});

it('drctl evidence verify passes on both chains, from the store and from the local copy', () => {
  const child = drctl(prefix, ['evidence', 'verify', childId]);
  expect(child.status).toBe(0);
  expect(child.stdout.split('\n')[0]).toBe(`ok: ${result.results[0].evidence!.stored} events, head ${result.results[0].evidence!.head}`);
  const parent = drctl(prefix, ['evidence', 'verify', `${prefix}-rv`, '--runbook', DEMO_RUNBOOK_FILE]);
  expect(parent.status).toBe(0);
  expect(parent.stdout).toMatch(/^ok: 3 events, head [0-9a-f]{64}\n/);
  const local = drctl(prefix, ['evidence', 'verify', childId, '--local']);
  expect(local.status).toBe(0);
  expect(local.stdout.split('\n')[0]).toBe(child.stdout.split('\n')[0]);
});

it('catches an event deleted in S3 (a delete marker hides it; the locked original stays)', async () => {
  const runId = await syntheticChain('delete');
  expect(drctl(prefix, ['evidence', 'verify', runId]).status).toBe(0);
  await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: eventKey({ prefix: '' }, runId, 2) }));
  const r = drctl(prefix, ['evidence', 'verify', runId]);
  expect(r.status).toBe(1);
  expect(r.stdout).toContain('break at event 2 (deleted): event 2 is missing: after event 1 comes event 3 (its object is hidden behind a delete marker; the locked original version');
});

it('catches events reordered in S3 (two events\' contents swapped)', async () => {
  const runId = await syntheticChain('reorder');
  const [k2, k3] = [eventKey({ prefix: '' }, runId, 2), eventKey({ prefix: '' }, runId, 3)];
  const [t2, t3] = [await text(k2), await text(k3)];
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: k2, Body: t3 }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: k3, Body: t2 }));
  const r = drctl(prefix, ['evidence', 'verify', runId, '--runbook', DEMO_RUNBOOK_FILE]);
  expect(r.status).toBe(1);
  expect(r.stdout).toContain('break at event 2 (reordered): events are out of order: position 2 holds event 3 (action)');
});

it('catches an event of the real run overwritten in S3 (a new version with edited content)', async () => {
  const key = eventKey({ prefix: '' }, childId, 3);
  const original = JSON.parse(await text(key)) as EvidenceEvent;
  const forged = { ...original, data: { ...original.data, isolated: true, problems: [], forged: 'by jest' } };
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: JSON.stringify(forged) }));
  const r = drctl(prefix, ['evidence', 'verify', childId]);
  expect(r.status).toBe(1);
  expect(r.stdout).toContain(`break at event 3 (edited): event 3 (${original.type}) was changed after it was written`);
  const json = drctl(prefix, ['evidence', 'verify', childId, '--json']);
  expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, events: 2, break: { seq: 3, kind: 'edited' } });
});

it('catches a forged tail that re-hashes and re-chains every event after the edit (the locked versions give it away)', async () => {
  const runId = await syntheticChain('rechain');
  const stored = await Promise.all([1, 2, 3, 4, 5].map(async (seq) => JSON.parse(await text(eventKey({ prefix: '' }, runId, seq))) as EvidenceEvent));
  const forged = buildChain(runId, stored.map((e) => ({ seq: e.seq, type: e.type, at: e.at, data: e.seq === 3 ? { i: 2, forged: true } : e.data })));
  for (const e of forged.slice(2)) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: eventKey({ prefix: '' }, runId, e.seq), Body: JSON.stringify(e) }));
  const r = drctl(prefix, ['evidence', 'verify', runId]);
  expect(r.status).toBe(1);
  expect(r.stdout).toContain('break at event 3 (overwritten): event 3 (action) was overwritten: its key has 2 versions with 2 different contents (the locked original is version');
});

it('catches an event edited in the local copy', async () => {
  const runId = await syntheticChain('local-edit');
  const file = path.join(readLocalEvidence(evidenceDir, runId).dir, 'events.jsonl');
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  lines[3] = lines[3].replace('"i":3', '"i":33');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  const r = drctl(prefix, ['evidence', 'verify', runId, '--local']);
  expect(r.status).toBe(1);
  expect(r.stdout).toContain('break at event 4 (edited)');
  expect(drctl(prefix, ['evidence', 'verify', runId]).status).toBe(0); // the protected store still holds the truth
});

it('no secret of the sandbox is in any evidence event, pinned runbook, local copy, workflow history or sandbox log', async () => {
  const s = sandboxState();
  const secrets = [s.postgres.password, s.aws.secretAccessKey].filter((x) => x && x.length >= 8);
  expect(secrets.length).toBe(2);
  const texts: Array<[string, string]> = [];
  for (const runId of [`${prefix}-rv`, childId]) {
    for (const key of await keysOf(runId)) texts.push([`s3://${BUCKET}/${key}`, await text(key)]);
  }
  const walk = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)]));
  for (const f of walk(evidenceDir)) texts.push([f, fs.readFileSync(f, 'utf8')]);
  const logs = path.join(s.dir, 'logs');
  for (const f of fs.existsSync(logs) ? walk(logs) : []) texts.push([f, fs.readFileSync(f, 'utf8')]);
  for (const id of [`${prefix}-rv`, childId]) texts.push([`history ${id}`, JSON.stringify(await temporal.client.workflow.getHandle(id).fetchHistory())]);
  expect(texts.filter(([n]) => n.includes('/events/')).length).toBeGreaterThan(10);
  expect(texts.filter(([n]) => n.startsWith(logs)).length).toBeGreaterThan(0);
  const found: string[] = [];
  for (const [name, body] of texts) {
    body.split('\n').forEach((line, i) => {
      for (const secret of secrets) if (line.includes(secret)) found.push(`${name}:${i + 1}`);
    });
  }
  expect(found).toEqual([]);
});
