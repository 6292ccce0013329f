/**
 * The workflow side of evidence: a run records events as it goes (sequence numbers and workflow time
 * are assigned here, deterministically), and flushes them at milestones to the `appendEvidence`
 * activity on the evidence account's task queue, which chains, locks and stores them. Notifications
 * go through the `notify` activity, best effort: a failed delivery is recorded, never fatal.
 *
 * Nothing secret may enter an event: only ids, ARNs, names, times and check values. As a last line of
 * defence, members named like credentials (password, secretAccessKey, token, ...) are redacted.
 */
import { isCancellation, proxyActivities } from '@temporalio/workflow';
import type { EvidenceActivities, EvidenceEventInput, EvidenceStore } from '../activities/evidence';
import type { NotificationKind, NotifyActivities } from '../activities/notify';
import type { AccountRef } from '../activities/aws';
import type { CloudCall } from '../activities/cloud-calls';
import { productionAlias } from '../runbooks/plan';
import type { Runbook } from '../runbooks/schema';
import { accountQueue } from './queues';
import { failureMessage } from './steps';

export type { NotificationKind };

export interface EvidenceRecorderOptions {
  runbook: Runbook;
  /** sha256 of the runbook file the run was started from (pinned in run.started and runbook.json). */
  runbookSha256: string;
  /** The run id: events are stored under it. */
  workflowId: string;
  /** What kind of run this is: restore-test, restore-verification, drill, incident, failback. */
  kind: string;
  taskQueuePrefix?: string;
}

/** What a run's result says about its evidence (no content). */
export interface EvidenceSummary {
  runId: string;
  /** Events recorded by the workflow. */
  events: number;
  /** Events the store has acknowledged. */
  stored: number;
  /** Hash of the last stored event. */
  head: string | null;
  /** `s3://bucket/prefix/runs/<runId>/` or `local:<dir>`. */
  location: string | null;
  /** Flushes that failed, with why. */
  problems: string[];
}

/** Thrown by `flushOrRefuse` when the store refuses the run's evidence (e.g. a bucket without Object Lock). */
export class EvidenceRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvidenceRefusal';
  }
}

/** The runbook's evidence store: the first account with an `evidence` section, in the primary region. */
export function evidenceStoreOf(rb: Runbook): EvidenceStore | undefined {
  for (const [alias, a] of Object.entries(rb.accounts)) {
    if (a.evidence) {
      return {
        account: { alias, id: a.id, role: a.role, externalId: a.externalId },
        region: rb.regions.primary, bucket: a.evidence.bucket, prefix: a.evidence.prefix, retention: a.evidence.retention,
      };
    }
  }
  return undefined;
}

const SECRET_KEY = /^(password|passwd|secret|secretAccessKey|secretKey|sessionToken|accessKeyId|apiKey|token|authorization|privateKey|connectionString)$/i;

/** A JSON copy of `data` with credential-named members redacted. */
export function scrub(data: unknown): unknown {
  if (Array.isArray(data)) return data.map(scrub);
  if (data !== null && typeof data === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
      if (v === undefined || typeof v === 'function') continue;
      out[k] = SECRET_KEY.test(k) && v !== null ? '[redacted]' : scrub(v);
    }
    return out;
  }
  return data;
}

const accountRef = (rb: Runbook, alias: string): AccountRef => {
  const a = rb.accounts[alias];
  return { alias, id: a.id, role: a.role, externalId: a.externalId };
};

/**
 * Records a run's evidence. Create one per run, at the start of the workflow.
 *
 * @example
 * const ev = new EvidenceRecorder({ runbook, runbookSha256, workflowId: workflowInfo().workflowId, kind: 'drill', taskQueuePrefix });
 * ev.started(initiator, { tiers });
 * await ev.flushOrRefuse();                 // nothing acts before the evidence store accepted the run
 * await ev.notify('run-started', `drill of ${runbook.metadata.name} started by ${initiator}`);
 * ev.event('approval', { gate: 'ledger', identity: 'alice', at }, 'alice');
 * ...
 * ev.ended('PASSED', []);
 * await CancellationScope.nonCancellable(() => ev.tryFlush());
 */
export class EvidenceRecorder {
  readonly runId: string;
  /** Unset when the runbook names no evidence account (local copy only). */
  readonly store: EvidenceStore | undefined;
  /** Flush failures so far (also in `summary().problems`). */
  readonly problems: string[] = [];
  private readonly events: EvidenceEventInput[] = [];
  private stored = 0;
  private head: string | null = null;
  private location: string | null = null;
  private pinned = false;
  private queue: Promise<void> = Promise.resolve();
  private readonly storeQueue: string;
  private readonly evidence: EvidenceActivities;

  constructor(private readonly opts: EvidenceRecorderOptions) {
    this.runId = opts.workflowId;
    this.store = evidenceStoreOf(opts.runbook);
    // Without an evidence account the local copy is kept by the production account's worker.
    const accountId = this.store?.account.id ?? opts.runbook.accounts[productionAlias(opts.runbook)].id;
    this.storeQueue = accountQueue(accountId, opts.taskQueuePrefix);
    this.evidence = proxyActivities<EvidenceActivities>({
      taskQueue: this.storeQueue,
      startToCloseTimeout: '2m',
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 8 },
    });
  }

  /** Buffers an event with the workflow's time and the next sequence number. */
  event(type: string, data: Record<string, unknown>, actor?: string): void {
    this.events.push({ seq: this.events.length + 1, type, at: new Date().toISOString(), actor, data: scrub(data) as Record<string, unknown> });
  }

  /** run.started: kind, runbook (name, owner, sha256), initiator, and where the chain is kept. */
  started(initiator: string, data: Record<string, unknown> = {}): void {
    const rb = this.opts.runbook;
    const s = this.store;
    this.event('run.started', {
      kind: this.opts.kind,
      runbook: { name: rb.metadata.name, owner: rb.metadata.owner, sha256: this.opts.runbookSha256 },
      initiator,
      store: s
        ? { account: s.account.alias, accountId: s.account.id, role: s.account.role, region: s.region, bucket: s.bucket, prefix: s.prefix ?? '', retention: s.retention, objectLock: 'COMPLIANCE' }
        : null,
      protectedStore: Boolean(s),
      ...(s ? {} : { note: 'the runbook names no evidence account: this chain is kept on the worker only, not in a protected store' }),
      ...data,
    }, initiator);
  }

  /** run.ended: the final status and why. Record it last, then flush. */
  ended(status: string, reasons: string[], data: Record<string, unknown> = {}): void {
    this.event('run.ended', { status, reasons, ...data });
  }

  /**
   * Sends the events not yet stored (with their seq numbers) to the store. Flushes run one at a time,
   * in order; a failed flush leaves its events for the next. Throws what the store said.
   */
  flush(): Promise<void> {
    const p = this.queue.then(() => this.send());
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** A flush that records a failure in `problems` instead of throwing (cancellation still throws). */
  async tryFlush(): Promise<boolean> {
    try {
      await this.flush();
      return true;
    } catch (err) {
      if (isCancellation(err)) throw err;
      this.problems.push(`evidence not stored: ${failureMessage(err)}`);
      return false;
    }
  }

  /** A flush whose failure ends the run before it acts: throws `EvidenceRefusal` (cancellation as is). */
  async flushOrRefuse(): Promise<void> {
    try {
      await this.flush();
    } catch (err) {
      if (isCancellation(err)) throw err;
      const msg = `evidence store refused the run: ${failureMessage(err)}`;
      this.problems.push(msg);
      throw new EvidenceRefusal(msg);
    }
  }

  /**
   * Publishes a notification if the runbook asks for this kind (`notifications.on`, default all),
   * and records what was delivered as a `notification` event. Never throws (cancellation aside).
   */
  async notify(kind: NotificationKind, summary: string): Promise<void> {
    const n = this.opts.runbook.notifications;
    if (!n || (!n.sns && !n.webhook)) return;
    if (n.on && !n.on.includes(kind)) return;
    const rb = this.opts.runbook;
    const owner = n.sns ? Object.keys(rb.accounts).find((alias) => rb.accounts[alias].id === n.sns!.topicArn.split(':')[4]) : undefined;
    const acts = proxyActivities<NotifyActivities>({
      taskQueue: owner ? accountQueue(rb.accounts[owner].id, this.opts.taskQueuePrefix) : this.storeQueue,
      startToCloseTimeout: '30s',
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3 },
    });
    try {
      const r = await acts.notify({
        runId: this.runId, runbook: rb.metadata.name, kind, summary, at: new Date().toISOString(),
        sns: n.sns ? { topicArn: n.sns.topicArn, account: owner ? accountRef(rb, owner) : undefined } : undefined,
        webhook: n.webhook,
      });
      this.event('notification', { kind, summary, delivered: r.delivered, failed: r.failed });
    } catch (err) {
      if (isCancellation(err)) throw err;
      this.event('notification', { kind, summary, delivered: [], failed: [{ error: failureMessage(err) }] });
    }
  }

  /** For the run's result: counts, head and location, no content. */
  summary(): EvidenceSummary {
    return { runId: this.runId, events: this.events.length, stored: this.stored, head: this.head, location: this.location, problems: [...this.problems] };
  }

  private async send(): Promise<void> {
    if (this.stored >= this.events.length) return;
    const batch = this.events.slice(this.stored);
    const rb = this.opts.runbook;
    const res = await this.evidence.appendEvidence({
      runId: this.runId, store: this.store, events: batch,
      runbookCopy: this.pinned ? undefined : { name: rb.metadata.name, sha256: this.opts.runbookSha256, runbook: rb },
    });
    this.pinned = true;
    this.stored = batch[batch.length - 1].seq;
    this.head = res.head?.hash ?? this.head;
    this.location = res.location;
  }
}

/** The changing cloud calls (operation, account, region, request id) an activity result carries. */
export function callsOf(result: unknown): CloudCall[] | undefined {
  return (result as { cloudCalls?: CloudCall[] } | undefined)?.cloudCalls;
}
