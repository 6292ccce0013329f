/** appendEvidence without an evidence account: the local copy is the chain; idempotent by seq. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AwsSessions } from '../../activities/aws';
import { createEvidenceActivities, localRunDir, readLocalEvidence, verifyChain, type EvidenceEventInput } from '../../activities/evidence';

const RUN = 'restore-verification/demo/t1/ledger-db';
const ev = (seq: number, data: Record<string, unknown> = { n: seq }): EvidenceEventInput => ({ seq, type: seq === 1 ? 'run.started' : 'action', at: `2026-12-03T10:00:0${seq}.000Z`, data });

let dir: string;
let acts: ReturnType<typeof createEvidenceActivities>;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drctl-evidence-'));
  acts = createEvidenceActivities(new AwsSessions(), { localDir: dir });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

it('continues the chain across flushes, skips a retried flush, and pins the runbook once', async () => {
  const first = await acts.appendEvidence({ runId: RUN, events: [ev(1), ev(2)], runbookCopy: { name: 'demo', sha256: 'ab'.repeat(32), runbook: { metadata: { name: 'demo' } } } });
  expect(first).toMatchObject({ written: 2, skipped: 0, head: { seq: 2 } });
  expect(first.location).toBe(`local:${localRunDir(dir, RUN)}`);
  const retried = await acts.appendEvidence({ runId: RUN, events: [ev(1), ev(2)] });
  expect(retried).toMatchObject({ written: 0, skipped: 2, head: first.head });
  const next = await acts.appendEvidence({ runId: RUN, events: [ev(3)] });
  expect(next).toMatchObject({ written: 1, head: { seq: 3 } });
  const local = readLocalEvidence(dir, RUN);
  expect(local.store).toBeNull();
  expect(local.runbook).toMatchObject({ name: 'demo', runId: RUN });
  expect(verifyChain(local.events, { runId: RUN })).toMatchObject({ ok: true, events: 3, head: next.head!.hash });
  expect(fs.readdirSync(dir)).toEqual([encodeURIComponent(RUN)]);
});

it('refuses to fork the chain: a different event under a stored seq, or a gap', async () => {
  await acts.appendEvidence({ runId: RUN, events: [ev(1), ev(2)] });
  await expect(acts.appendEvidence({ runId: RUN, events: [ev(2, { n: 'changed' })] })).rejects.toThrow(/already stored with different content/);
  await expect(acts.appendEvidence({ runId: RUN, events: [ev(4)] })).rejects.toThrow(/event 3 .* is not stored/);
});
