/**
 * Evidence: every run's events as a hash chain, written to the runbook's evidence account (S3 with
 * Object Lock in compliance mode, through that account's own role), with a local JSONL copy that
 * reports read. The chain functions at the top are pure (Node crypto only) and unit-tested; the
 * activity below them is idempotent by sequence number, so a retried flush never forks the chain.
 *
 * Layout of one run in the store (and, under `<localDir>/<encodeURIComponent(runId)>/`, locally):
 *   <prefix>runs/<runId>/events/000001.json   one event per object, locked until now + retention
 *   <prefix>runs/<runId>/runbook.json         the runbook the run ran (pinned by the first flush)
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import {
  GetObjectCommand, GetObjectLockConfigurationCommand, ListObjectVersionsCommand, PutObjectCommand, type S3Client,
} from '@aws-sdk/client-s3';
import { durationMs } from '../runbooks/duration';
import { runKey } from '../runbooks/naming';
import { isNotFound, type AccountRef, type AwsSessions } from './aws';

/** prevHash of the first event of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** An event as the workflow records it (seq assigned in the workflow, time is workflow time). */
export interface EvidenceEventInput {
  seq: number;
  type: string;
  /** ISO 8601 time the workflow recorded it. */
  at: string;
  /** Who caused it, when a person did (initiator, approver). */
  actor?: string;
  data: Record<string, unknown>;
}

/** An event as stored: chained to its predecessor. `hash` covers every other field. */
export interface EvidenceEvent extends EvidenceEventInput {
  runId: string;
  prevHash: string;
  hash: string;
}

/** Where a run's chain is kept: a bucket in the evidence account, reached through its own role. */
export interface EvidenceStore {
  account: AccountRef;
  region: string;
  bucket: string;
  /** Key prefix inside the bucket ("" or ending in "/"; a missing slash is added). */
  prefix?: string;
  /** How long each object stays locked (a runbook duration such as 7d or 2555d). */
  retention: string;
}

export interface RunbookCopy {
  name: string;
  /** sha256 of the runbook file the run was started from. */
  sha256: string;
  /** The parsed runbook the run executed. */
  runbook: unknown;
}

export interface AppendEvidenceInput {
  runId: string;
  /** Unset when the runbook names no evidence account: the chain is kept locally only. */
  store?: EvidenceStore;
  events: EvidenceEventInput[];
  /** The first flush pins the runbook (stored once, locked like the events). */
  runbookCopy?: RunbookCopy;
}

export interface AppendEvidenceResult {
  head: { seq: number; hash: string } | null;
  written: number;
  /** Events already stored with the same content (a retried flush). */
  skipped: number;
  /** `s3://bucket/prefix/runs/<runId>/` or `local:<dir>`. */
  location: string;
  /** Retain-until date of the objects written by this call. */
  retainUntil?: string;
}

// ---------------------------------------------------------------------------------------------
// The chain (pure)

/**
 * JSON with object keys sorted (recursively), no whitespace; `undefined` members are dropped as
 * JSON.stringify drops them, so a value hashes the same before and after a JSON round trip.
 */
export function canonicalJson(value: unknown): string {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return canonicalJson((value as { toJSON(): unknown }).toJSON());
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined || typeof v === 'function' ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined && typeof obj[k] !== 'function').sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** sha256 over the canonical JSON of everything in the event but `hash`. */
export function hashEvent(e: Omit<EvidenceEvent, 'hash'> & { hash?: string }): string {
  const { hash: _ignored, ...rest } = e;
  return sha256Hex(canonicalJson(rest));
}

/** Links `input` to `prev` (undefined for the first event). */
export function chainEvent(prev: { hash: string } | undefined, runId: string, input: EvidenceEventInput): EvidenceEvent {
  const body = { seq: input.seq, runId, type: input.type, at: input.at, actor: input.actor, data: input.data, prevHash: prev?.hash ?? GENESIS_HASH };
  const parsed = JSON.parse(JSON.stringify(body)) as Omit<EvidenceEvent, 'hash'>; // exactly what a reader will see
  return { ...parsed, hash: hashEvent(parsed) };
}

/** A whole chain from inputs in seq order. */
export function buildChain(runId: string, inputs: EvidenceEventInput[]): EvidenceEvent[] {
  const out: EvidenceEvent[] = [];
  for (const i of inputs) out.push(chainEvent(out[out.length - 1], runId, i));
  return out;
}

/** Same event content (the chain fields aside): a retried flush may skip an event stored like this. */
export function sameContent(stored: EvidenceEvent, input: EvidenceEventInput, runId: string): boolean {
  const pick = (e: EvidenceEventInput & { runId?: string }) => canonicalJson({ seq: e.seq, runId: e.runId, type: e.type, at: e.at, actor: e.actor, data: e.data });
  return pick(stored) === pick({ ...JSON.parse(JSON.stringify(input)), runId });
}

export type BreakKind = 'empty' | 'malformed' | 'foreign' | 'edited' | 'deleted' | 'reordered' | 'overwritten' | 'incomplete';

export interface ChainBreak {
  /** Position (1-based, = the seq expected there) where the chain first breaks. */
  seq: number;
  kind: BreakKind;
  message: string;
}

/** What the store knows about each event key beyond its current content (S3 object versions). */
export interface KeyHistory {
  /** Object versions (delete markers not counted). */
  versions: number;
  /** Distinct contents among them (ETags): more than one means the event was overwritten. */
  distinct: number;
  deleteMarkers: number;
  /** The latest entry is a delete marker: the event looks deleted. */
  hidden: boolean;
  /** Version id of the oldest version: with Object Lock, the original is still there. */
  original?: string;
}

export interface VerifyOptions {
  /** Every event must belong to this run. */
  runId?: string;
  /** History per event seq (from ListObjectVersions). */
  history?: Record<number, KeyHistory>;
  /** The run has finished: the chain must end with run.ended. @default false */
  expectEnd?: boolean;
}

export interface ChainReport {
  ok: boolean;
  /** Events checked (up to the break). */
  events: number;
  /** Hash of the last event checked that was intact. */
  head: string | null;
  break?: ChainBreak;
}

const FIELDS: Array<[keyof EvidenceEvent, string]> = [['seq', 'number'], ['runId', 'string'], ['type', 'string'], ['at', 'string'], ['prevHash', 'string'], ['hash', 'string'], ['data', 'object']];

function missingField(e: unknown): string | undefined {
  if (e === null || typeof e !== 'object' || Array.isArray(e)) return 'it is not a JSON object';
  for (const [f, t] of FIELDS) if (typeof (e as Record<string, unknown>)[f] !== t || (e as Record<string, unknown>)[f] === null) return `field "${f}" is missing or not a ${t}`;
  return undefined;
}

/**
 * Recomputes a chain given in storage order (position i holds what should be event i+1) and reports
 * the first break: an edited event (its content no longer matches its hash), a predecessor that was
 * rewritten and re-hashed (the next prevHash no longer matches), a deleted event (a gap), reordered
 * events (an event in another event's place), an overwritten event (more than one stored version),
 * or, for a finished run, a chain that stops before run.ended.
 */
export function verifyChain(events: readonly unknown[], opts: VerifyOptions = {}): ChainReport {
  const history = opts.history ?? {};
  const seqs = new Set(events.map((e) => (e && typeof e === 'object' ? (e as { seq?: unknown }).seq : undefined)));
  let prev: EvidenceEvent | undefined;
  const fail = (seq: number, kind: BreakKind, message: string): ChainReport => ({ ok: false, events: seq - 1, head: prev?.hash ?? null, break: { seq, kind, message } });
  const hiddenNote = (seq: number) => {
    const h = history[seq];
    return h?.hidden ? ` (its object is hidden behind a delete marker${h.original ? `; the locked original version ${h.original} is still stored` : ''})` : '';
  };
  if (events.length === 0) {
    const hidden = Object.keys(history).map(Number).filter((s) => history[s].hidden).sort((a, b) => a - b);
    if (hidden.length) return fail(hidden[0], 'deleted', `event ${hidden[0]} is missing${hiddenNote(hidden[0])}`);
    return fail(1, 'empty', 'no evidence events are stored for this run');
  }
  for (let i = 0; i < events.length; i++) {
    const pos = i + 1;
    const raw = events[i];
    const why = missingField(raw);
    if (why) return fail(pos, 'malformed', `position ${pos} does not hold an evidence event: ${why}`);
    const e = raw as EvidenceEvent;
    if (opts.runId !== undefined && e.runId !== opts.runId) return fail(pos, 'foreign', `event ${e.seq} belongs to run ${e.runId}, not to ${opts.runId}`);
    if (e.seq !== pos) {
      if (e.seq < pos || seqs.has(pos)) return fail(pos, 'reordered', `events are out of order: position ${pos} holds event ${e.seq} (${e.type})`);
      const gap = e.seq - pos === 1 ? `event ${pos} is missing` : `events ${pos}-${e.seq - 1} are missing`;
      return fail(pos, 'deleted', `${gap}: after event ${pos - 1} comes event ${e.seq}${hiddenNote(pos)}`);
    }
    if (hashEvent(e) !== e.hash) return fail(pos, 'edited', `event ${pos} (${e.type}) was changed after it was written: its content no longer matches its hash`);
    const expected = prev?.hash ?? GENESIS_HASH;
    if (e.prevHash !== expected) {
      if (!prev) return fail(pos, 'edited', `event 1 (${e.type}) does not start a chain: its prevHash is not the genesis hash`);
      return fail(pos - 1, 'edited', `event ${pos - 1} (${prev.type}) was rewritten and re-hashed: event ${pos}'s prevHash does not match it`);
    }
    const h = history[pos];
    if (h && h.distinct > 1) {
      return fail(pos, 'overwritten', `event ${pos} (${e.type}) was overwritten: its key has ${h.versions} versions with ${h.distinct} different contents${h.original ? ` (the locked original is version ${h.original})` : ''}`);
    }
    prev = e;
  }
  const last = prev!;
  const later = Object.keys(history).map(Number).filter((s) => s > last.seq && history[s].hidden).sort((a, b) => a - b);
  if (later.length) return fail(later[0], 'deleted', `event ${later[0]} is missing: the chain stops at event ${last.seq}${hiddenNote(later[0])}`);
  if (opts.expectEnd && last.type !== 'run.ended') {
    return fail(last.seq + 1, 'incomplete', `the chain stops at event ${last.seq} (${last.type}) without run.ended: later events were deleted, or the run has not finished`);
  }
  return { ok: true, events: events.length, head: last.hash };
}

// ---------------------------------------------------------------------------------------------
// Where things live

function normPrefix(prefix: string | undefined): string {
  if (!prefix) return '';
  return prefix.endsWith('/') ? prefix : `${prefix}/`;
}

export function runKeyPrefix(store: Pick<EvidenceStore, 'prefix'>, runId: string): string {
  return `${normPrefix(store.prefix)}runs/${runId}/`;
}

export function eventKey(store: Pick<EvidenceStore, 'prefix'>, runId: string, seq: number): string {
  return `${runKeyPrefix(store, runId)}events/${String(seq).padStart(6, '0')}.json`;
}

export function runbookKey(store: Pick<EvidenceStore, 'prefix'>, runId: string): string {
  return `${runKeyPrefix(store, runId)}runbook.json`;
}

/** The worker's local evidence folder: `DRCTL_EVIDENCE_DIR`, default `<repo>/.drctl/evidence`. */
export function defaultEvidenceDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.DRCTL_EVIDENCE_DIR ?? path.join(__dirname, '..', '.drctl', 'evidence'));
}

/** A run's local folder (run ids hold slashes: encoded, so the mapping is one to one). */
export function localRunDir(localDir: string, runId: string): string {
  return path.join(localDir, encodeURIComponent(runId));
}

/** What the local copy records about where the protected chain is (read by `drctl evidence verify`). */
export interface LocalStoreRecord {
  runId: string;
  store: EvidenceStore | null;
}

/** The local copy of a run: its events (as parsed lines; an unparsable line stays a string) and store. */
export function readLocalEvidence(localDir: string, runId: string): { events: unknown[]; store?: LocalStoreRecord['store']; runbook?: unknown; dir: string } {
  const dir = localRunDir(localDir, runId);
  const file = path.join(dir, 'events.jsonl');
  const events = fs.existsSync(file)
    ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => {
      try {
        return JSON.parse(l) as unknown;
      } catch {
        return l;
      }
    })
    : [];
  const storeFile = path.join(dir, 'store.json');
  const store = fs.existsSync(storeFile) ? (JSON.parse(fs.readFileSync(storeFile, 'utf8')) as LocalStoreRecord).store : undefined;
  const rbFile = path.join(dir, 'runbook.json');
  const runbook = fs.existsSync(rbFile) ? (JSON.parse(fs.readFileSync(rbFile, 'utf8')) as unknown) : undefined;
  return { events, store, runbook, dir };
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

function writeLocalEvents(dir: string, events: Map<number, EvidenceEvent>): void {
  const sorted = [...events.values()].sort((a, b) => a.seq - b.seq);
  writeAtomic(path.join(dir, 'events.jsonl'), sorted.map((e) => `${canonicalJson(e)}\n`).join(''));
}

function localValidEvents(localDir: string, runId: string): Map<number, EvidenceEvent> {
  const map = new Map<number, EvidenceEvent>();
  for (const e of readLocalEvidence(localDir, runId).events) if (!missingField(e)) map.set((e as EvidenceEvent).seq, e as EvidenceEvent);
  return map;
}

/** The runbook as pinned: a webhook URL may carry a token in its path or query, so only its origin is kept. */
export function redactRunbook(runbook: unknown): { runbook: unknown; redacted: string[] } {
  const copy = JSON.parse(JSON.stringify(runbook ?? null)) as { notifications?: { webhook?: { url?: string } } } | null;
  const redacted: string[] = [];
  const url = copy?.notifications?.webhook?.url;
  if (url) {
    try {
      copy!.notifications!.webhook!.url = `${new URL(url).origin}/[redacted]`;
    } catch {
      copy!.notifications!.webhook!.url = '[redacted]';
    }
    redacted.push('notifications.webhook.url');
  }
  return { runbook: copy, redacted };
}

/** The pinned copy of a run's runbook: the file's sha256, the parsed runbook (redacted) and its own hash. */
export function pinnedRunbook(runId: string, copy: RunbookCopy): string {
  const { runbook, redacted } = redactRunbook(copy.runbook);
  return `${canonicalJson({ runId, name: copy.name, sha256: copy.sha256, copySha256: sha256Hex(canonicalJson(runbook)), redacted, runbook })}\n`;
}

// ---------------------------------------------------------------------------------------------
// S3

const lockVerified = new Set<string>();

/** Refuses (non-retryable) a bucket without Object Lock: it cannot hold evidence. */
export async function assertObjectLock(s3: S3Client, store: EvidenceStore): Promise<void> {
  const key = `${store.account.id}/${store.bucket}`;
  if (lockVerified.has(key)) return;
  let enabled = false;
  try {
    const res = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: store.bucket }));
    enabled = res.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
  } catch (err) {
    const name = (err as { name?: string }).name ?? '';
    if (name === 'NoSuchBucket') throw ApplicationFailure.nonRetryable(`evidence bucket ${store.bucket} does not exist in account ${store.account.id}`, 'EvidenceBucketMissing');
    if (name === 'AccessDenied') throw ApplicationFailure.nonRetryable(`evidence bucket ${store.bucket}: the role ${store.account.role} may not read its Object Lock configuration`, 'EvidenceBucketDenied');
    if (name !== 'ObjectLockConfigurationNotFoundError') throw err;
  }
  if (!enabled) {
    throw ApplicationFailure.nonRetryable(
      `evidence bucket ${store.bucket} in account ${store.account.id} has no Object Lock: drctl refuses to write evidence where it could be changed or deleted (create the bucket with Object Lock enabled)`,
      'EvidenceStoreNotLocked',
    );
  }
  lockVerified.add(key);
}

async function getText(s3: S3Client, bucket: string, key: string, versionId?: string): Promise<string | undefined> {
  try {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
    return await res.Body!.transformToString('utf8');
  } catch (err) {
    if (isNotFound(err) || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
    throw err;
  }
}

async function getStoredEvent(s3: S3Client, store: EvidenceStore, runId: string, seq: number): Promise<EvidenceEvent | undefined> {
  const text = await getText(s3, store.bucket, eventKey(store, runId, seq));
  if (text === undefined) return undefined;
  const parsed = JSON.parse(text) as unknown;
  const why = missingField(parsed);
  if (why) throw ApplicationFailure.nonRetryable(`stored evidence event ${seq} of ${runId} is not an event (${why})`, 'EvidenceCorrupt');
  return parsed as EvidenceEvent;
}

/** Writes a locked object unless the key exists; answers false when it already did. */
async function putLocked(s3: S3Client, bucket: string, key: string, body: string, until: Date): Promise<boolean> {
  try {
    await s3.send(new PutObjectCommand({
      Bucket: bucket, Key: key, Body: body, ContentType: 'application/json',
      ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: until, IfNoneMatch: '*',
    }));
    return true;
  } catch (err) {
    if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412) return false;
    throw err;
  }
}

export interface StoredChain {
  /** Current content of each event key, in seq order (keys hidden by a delete marker left out). */
  events: unknown[];
  history: Record<number, KeyHistory>;
  location: string;
  runbook?: unknown;
}

/** Reads a run's chain from the store, with every key's version history. */
export async function readStoredChain(s3: S3Client, store: Omit<EvidenceStore, 'retention'>, runId: string): Promise<StoredChain> {
  const prefix = `${runKeyPrefix(store, runId)}events/`;
  type Entry = { versionId: string; etag?: string; latest: boolean; at: number; marker: boolean };
  const byKey = new Map<string, Entry[]>();
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  do {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: store.bucket, Prefix: prefix, KeyMarker: keyMarker, VersionIdMarker: versionMarker }));
    for (const v of page.Versions ?? []) {
      const list = byKey.get(v.Key!) ?? [];
      list.push({ versionId: v.VersionId!, etag: v.ETag, latest: Boolean(v.IsLatest), at: v.LastModified?.getTime() ?? 0, marker: false });
      byKey.set(v.Key!, list);
    }
    for (const d of page.DeleteMarkers ?? []) {
      const list = byKey.get(d.Key!) ?? [];
      list.push({ versionId: d.VersionId!, latest: Boolean(d.IsLatest), at: d.LastModified?.getTime() ?? 0, marker: true });
      byKey.set(d.Key!, list);
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker);
  const history: Record<number, KeyHistory> = {};
  const current: Array<{ seq: number; key: string; versionId: string }> = [];
  for (const [key, entries] of byKey) {
    const m = /(\d+)\.json$/.exec(key);
    if (!m) continue;
    const seq = Number(m[1]);
    const versions = entries.filter((e) => !e.marker);
    // ListObjectVersions lists a key's versions newest first; the last one is the original.
    const original = [...versions].reverse().sort((a, b) => a.at - b.at)[0];
    const latest = entries.find((e) => e.latest) ?? entries[0];
    history[seq] = {
      versions: versions.length,
      distinct: new Set(versions.map((v) => v.etag)).size,
      deleteMarkers: entries.length - versions.length,
      hidden: latest.marker,
      original: original?.versionId,
    };
    if (!latest.marker) current.push({ seq, key, versionId: latest.versionId });
  }
  current.sort((a, b) => a.seq - b.seq);
  const events: unknown[] = [];
  for (const c of current) {
    const text = (await getText(s3, store.bucket, c.key, c.versionId)) ?? '';
    try {
      events.push(JSON.parse(text) as unknown);
    } catch {
      events.push(text);
    }
  }
  const rbText = await getText(s3, store.bucket, runbookKey(store, runId));
  return { events, history, location: `s3://${store.bucket}/${runKeyPrefix(store, runId)}`, runbook: rbText ? (JSON.parse(rbText) as unknown) : undefined };
}

// ---------------------------------------------------------------------------------------------
// The activity

export interface EvidenceActivityOptions {
  /** Folder of the local copies (one sub-folder per run). */
  localDir: string;
}

export function createEvidenceActivities(aws: AwsSessions, opts: EvidenceActivityOptions) {
  return {
    /**
     * Appends events to a run's chain, continuing from the stored head. Idempotent by seq: an event
     * already stored with the same content is skipped, one stored with other content is a
     * non-retryable error. Checks the bucket's Object Lock before its first write, and refuses a
     * bucket without it. Keeps the local copy in step.
     */
    async appendEvidence(i: AppendEvidenceInput): Promise<AppendEvidenceResult> {
      const events = [...i.events].sort((a, b) => a.seq - b.seq);
      const dir = localRunDir(opts.localDir, i.runId);
      fs.mkdirSync(dir, { recursive: true });
      const local = localValidEvents(opts.localDir, i.runId);
      let written = 0;
      let skipped = 0;
      let prev: EvidenceEvent | undefined;
      const conflict = (seq: number) => ApplicationFailure.nonRetryable(`evidence event ${seq} of run ${i.runId} is already stored with different content: refusing to fork the chain`, 'EvidenceConflict');
      const gap = (seq: number) => ApplicationFailure.nonRetryable(`evidence event ${seq - 1} of run ${i.runId} is not stored: cannot append event ${seq}`, 'EvidenceGap');
      const pinned = i.runbookCopy ? pinnedRunbook(i.runId, i.runbookCopy) : undefined;

      if (!i.store) {
        // No evidence account: the local copy is the only record (run.started says so).
        for (const e of events) {
          const existing = local.get(e.seq);
          if (existing) {
            if (!sameContent(existing, e, i.runId)) throw conflict(e.seq);
            skipped++;
            prev = existing;
            continue;
          }
          if (e.seq > 1 && prev?.seq !== e.seq - 1) prev = local.get(e.seq - 1);
          if (e.seq > 1 && !prev) throw gap(e.seq);
          prev = chainEvent(prev, i.runId, e);
          local.set(e.seq, prev);
          written++;
        }
        writeLocalEvents(dir, local);
        if (pinned && !fs.existsSync(path.join(dir, 'runbook.json'))) writeAtomic(path.join(dir, 'runbook.json'), pinned);
        writeAtomic(path.join(dir, 'store.json'), `${JSON.stringify({ runId: i.runId, store: null } satisfies LocalStoreRecord, null, 2)}\n`);
        const head = [...local.values()].sort((a, b) => b.seq - a.seq)[0];
        return { head: head ? { seq: head.seq, hash: head.hash } : null, written, skipped, location: `local:${dir}` };
      }

      const store = i.store;
      const s3 = aws.s3(store.account, store.region, runKey(i.runId)); // the role session names the run
      await assertObjectLock(s3, store);
      const until = new Date(Date.now() + durationMs(store.retention));
      if (pinned) await putLocked(s3, store.bucket, runbookKey(store, i.runId), pinned, until);
      const stored = new Map<number, EvidenceEvent>();
      for (const e of events) {
        const existing = await getStoredEvent(s3, store, i.runId, e.seq);
        if (existing) {
          if (!sameContent(existing, e, i.runId)) throw conflict(e.seq);
          skipped++;
          prev = existing;
          stored.set(e.seq, existing);
          continue;
        }
        if (e.seq > 1 && prev?.seq !== e.seq - 1) prev = await getStoredEvent(s3, store, i.runId, e.seq - 1);
        if (e.seq > 1 && !prev) throw gap(e.seq);
        const ev = chainEvent(prev, i.runId, e);
        if (!(await putLocked(s3, store.bucket, eventKey(store, i.runId, e.seq), `${canonicalJson(ev)}\n`, until))) {
          // Another attempt wrote it between our read and our write: it must be the same event.
          const raced = await getStoredEvent(s3, store, i.runId, e.seq);
          if (!raced || raced.hash !== ev.hash) throw conflict(e.seq);
          skipped++;
        } else {
          written++;
        }
        prev = ev;
        stored.set(e.seq, ev);
      }
      // The local copy mirrors the store, filling in anything an earlier flush on another host wrote.
      for (const [seq, ev] of stored) local.set(seq, ev);
      const top = Math.max(0, ...stored.keys());
      for (let seq = 1; seq < top; seq++) {
        if (!local.has(seq)) {
          const ev = await getStoredEvent(s3, store, i.runId, seq);
          if (ev) local.set(seq, ev);
        }
      }
      writeLocalEvents(dir, local);
      if (pinned && !fs.existsSync(path.join(dir, 'runbook.json'))) writeAtomic(path.join(dir, 'runbook.json'), pinned);
      const record: LocalStoreRecord = { runId: i.runId, store: { account: store.account, region: store.region, bucket: store.bucket, prefix: normPrefix(store.prefix), retention: store.retention } };
      writeAtomic(path.join(dir, 'store.json'), `${JSON.stringify(record, null, 2)}\n`);
      return {
        head: prev ? { seq: prev.seq, hash: prev.hash } : null, written, skipped,
        location: `s3://${store.bucket}/${runKeyPrefix(store, i.runId)}`, retainUntil: until.toISOString(),
      };
    },
  };
}

export type EvidenceActivities = ReturnType<typeof createEvidenceActivities>;

