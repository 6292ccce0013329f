/** The evidence hash chain: canonical JSON, chaining, and verifyChain's first-break reports. */
import {
  buildChain, canonicalJson, chainEvent, GENESIS_HASH, hashEvent, redactRunbook, sameContent, verifyChain, type EvidenceEvent, type EvidenceEventInput,
} from '../../activities/evidence';
import { scrub } from '../../workflows/evidence';

const RUN = 'restore-verification/demo/2026-12-03T10-00-00-000Z/ledger-db';

function inputs(n: number): EvidenceEventInput[] {
  const types = ['run.started', 'recovery-point.chosen', 'preflight', 'action', 'validation', 'measurement', 'cleanup', 'leak-scan', 'run.ended'];
  return Array.from({ length: n }, (_, i) => ({
    seq: i + 1,
    type: i === n - 1 ? 'run.ended' : types[i % (types.length - 1)],
    at: new Date(Date.UTC(2026, 11, 3, 10, 0, i)).toISOString(),
    actor: i === 0 ? 'alice' : undefined,
    data: { step: i, arn: `arn:aws:rds:us-east-1:333333333333:db:drctl-rt-${i}`, nested: { z: 1, a: [3, { y: true, b: null }] } },
  }));
}

const chain = (n = 6) => buildChain(RUN, inputs(n));
const clone = (c: EvidenceEvent[]) => JSON.parse(JSON.stringify(c)) as EvidenceEvent[];

describe('canonical JSON', () => {
  it('sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: 'x' } })).toBe('{"a":{"c":"x","d":[2,1]},"b":1}');
  });

  it('is the same whatever order the keys were written in, and after a JSON round trip', () => {
    const a = { type: 't', data: { x: 1, y: [1, 2], z: { q: 'r', p: undefined } }, seq: 1 };
    const b = { seq: 1, data: { z: { q: 'r' }, y: [1, 2], x: 1 }, type: 't' };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(JSON.parse(JSON.stringify(a)))).toBe(canonicalJson(a));
  });

  it('writes values as JSON does (undefined in arrays is null, dates as ISO strings)', () => {
    expect(canonicalJson([undefined, 1, 'a"b'])).toBe('[null,1,"a\\"b"]');
    expect(canonicalJson({ at: new Date('2026-12-03T10:00:00.000Z') })).toBe('{"at":"2026-12-03T10:00:00.000Z"}');
    expect(canonicalJson(null)).toBe('null');
  });
});

describe('chain building', () => {
  it('starts at seq 1 with the genesis prevHash and links every event to the one before', () => {
    const c = chain();
    expect(c[0].prevHash).toBe(GENESIS_HASH);
    expect(GENESIS_HASH).toMatch(/^0{64}$/);
    for (let i = 1; i < c.length; i++) expect(c[i].prevHash).toBe(c[i - 1].hash);
    for (const e of c) expect(e.hash).toBe(hashEvent(e));
    expect(c.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('hashes everything but the hash, the same way for the same content', () => {
    const [a] = buildChain(RUN, inputs(1));
    const [b] = buildChain(RUN, inputs(1));
    expect(a.hash).toBe(b.hash);
    expect(buildChain('another-run', inputs(1))[0].hash).not.toBe(a.hash);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('drops undefined members, so a stored event reads back identical', () => {
    const e = chainEvent(undefined, RUN, { seq: 1, type: 'x', at: '2026-12-03T10:00:00.000Z', data: { a: undefined, b: 1 } });
    expect(e).not.toHaveProperty('actor');
    expect(e.data).toEqual({ b: 1 });
    expect(hashEvent(JSON.parse(JSON.stringify(e)))).toBe(e.hash);
  });

  it('tells a retried event with the same content from a different one', () => {
    const [stored] = chain(1);
    expect(sameContent(stored, inputs(1)[0], RUN)).toBe(true);
    expect(sameContent(stored, { ...inputs(1)[0], data: { step: 99 } }, RUN)).toBe(false);
  });
});

describe('verifyChain', () => {
  it('passes an intact chain and reports its head', () => {
    const c = chain();
    expect(verifyChain(c, { runId: RUN, expectEnd: true })).toEqual({ ok: true, events: 6, head: c[5].hash });
  });

  it('catches an edited event (content no longer matches its hash)', () => {
    const c = clone(chain());
    (c[2].data as { step: number }).step = 42;
    const r = verifyChain(c, { runId: RUN });
    expect(r.ok).toBe(false);
    expect(r.break).toMatchObject({ seq: 3, kind: 'edited' });
    expect(r.break!.message).toBe('event 3 (preflight) was changed after it was written: its content no longer matches its hash');
    expect(r.events).toBe(2);
    expect(r.head).toBe(c[1].hash);
  });

  it('catches an edited event that was re-hashed (the next prevHash no longer matches)', () => {
    const c = clone(chain());
    (c[2].data as { step: number }).step = 42;
    c[2].hash = hashEvent(c[2]);
    const r = verifyChain(c, { runId: RUN });
    expect(r.break).toMatchObject({ seq: 3, kind: 'edited' });
    expect(r.break!.message).toBe('event 3 (preflight) was rewritten and re-hashed: event 4\'s prevHash does not match it');
  });

  it('catches a deleted event (a gap in the sequence)', () => {
    const c = chain();
    const r = verifyChain([...c.slice(0, 3), ...c.slice(4)], { runId: RUN });
    expect(r.break).toEqual({ seq: 4, kind: 'deleted', message: 'event 4 is missing: after event 3 comes event 5' });
    const two = verifyChain([...c.slice(0, 1), ...c.slice(3)], { runId: RUN });
    expect(two.break).toMatchObject({ seq: 2, kind: 'deleted', message: 'events 2-3 are missing: after event 1 comes event 4' });
  });

  it('catches a deleted event hidden by a delete marker, naming the locked original', () => {
    const c = chain();
    const r = verifyChain([...c.slice(0, 3), ...c.slice(4)], { runId: RUN, history: { 4: { versions: 1, distinct: 1, deleteMarkers: 1, hidden: true, original: 'v-1' } } });
    expect(r.break!.kind).toBe('deleted');
    expect(r.break!.message).toContain('hidden behind a delete marker; the locked original version v-1 is still stored');
  });

  it('catches deleted events at the end: a hidden last key, or a finished run without run.ended', () => {
    const c = chain();
    expect(verifyChain(c.slice(0, 5), { runId: RUN, history: { 6: { versions: 1, distinct: 1, deleteMarkers: 1, hidden: true } } }).break).toMatchObject({ seq: 6, kind: 'deleted' });
    const r = verifyChain(c.slice(0, 5), { runId: RUN, expectEnd: true });
    expect(r.break).toMatchObject({ seq: 6, kind: 'incomplete' });
    expect(r.break!.message).toContain('without run.ended');
    expect(verifyChain(c.slice(0, 5), { runId: RUN }).ok).toBe(true); // a run still going
  });

  it('catches reordered events (swapped, or moved later)', () => {
    const c = chain();
    const swapped = [c[0], c[2], c[1], ...c.slice(3)];
    expect(verifyChain(swapped, { runId: RUN }).break).toEqual({ seq: 2, kind: 'reordered', message: 'events are out of order: position 2 holds event 3 (preflight)' });
    const moved = [c[0], c[1], c[3], c[4], c[2], c[5]];
    expect(verifyChain(moved, { runId: RUN }).break).toMatchObject({ seq: 3, kind: 'reordered' });
  });

  it('catches an overwritten event (more than one stored content for a key)', () => {
    const c = chain();
    const r = verifyChain(c, { runId: RUN, history: { 2: { versions: 2, distinct: 2, deleteMarkers: 0, hidden: false, original: 'v-orig' } } });
    expect(r.break).toMatchObject({ seq: 2, kind: 'overwritten' });
    expect(r.break!.message).toContain('the locked original is version v-orig');
    // The same content written twice (a retried write) is not tampering.
    expect(verifyChain(c, { runId: RUN, history: { 2: { versions: 2, distinct: 1, deleteMarkers: 0, hidden: false } } }).ok).toBe(true);
  });

  it('catches an event of another run, a forged first event, malformed entries and an empty chain', () => {
    const c = chain();
    const foreign = buildChain('other-run', inputs(2));
    expect(verifyChain([c[0], foreign[1]], { runId: RUN }).break).toMatchObject({ seq: 2, kind: 'foreign' });
    const forged = clone(c);
    forged[0].prevHash = 'f'.repeat(64);
    forged[0].hash = hashEvent(forged[0]);
    expect(verifyChain(forged).break).toMatchObject({ seq: 1, kind: 'edited' });
    expect(verifyChain([c[0], 'not json {', c[2]]).break).toMatchObject({ seq: 2, kind: 'malformed' });
    expect(verifyChain([c[0], { ...c[1], hash: undefined }]).break!.message).toContain('field "hash"');
    expect(verifyChain([]).break).toMatchObject({ kind: 'empty' });
  });
});

describe('what may enter evidence', () => {
  it('scrub redacts credential-named members at any depth and drops undefined', () => {
    expect(scrub({ a: 1, password: 'hunter2', nested: [{ secretAccessKey: 'x', arn: 'arn:aws:...' }], u: undefined })).toEqual({
      a: 1, password: '[redacted]', nested: [{ secretAccessKey: '[redacted]', arn: 'arn:aws:...' }],
    });
  });

  it('the pinned runbook keeps only the origin of a webhook URL', () => {
    const { runbook, redacted } = redactRunbook({ notifications: { webhook: { url: 'https://hooks.example.com/services/T000/B000/XXXXSECRET?token=abc' } } });
    expect(JSON.stringify(runbook)).not.toContain('XXXXSECRET');
    expect(JSON.stringify(runbook)).not.toContain('token=abc');
    expect(runbook).toEqual({ notifications: { webhook: { url: 'https://hooks.example.com/[redacted]' } } });
    expect(redacted).toEqual(['notifications.webhook.url']);
  });
});
