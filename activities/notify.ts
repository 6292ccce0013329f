/**
 * Run notifications (started, approval needed, step failed, objective breached, finished): an SNS
 * publish through the role of the account that owns the topic, and/or a JSON POST to a webhook.
 * Best effort by design: the workflow records what was delivered and never fails a run over it.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { PublishCommand } from '@aws-sdk/client-sns';
import type { AccountRef, AwsSessions } from './aws';

export type NotificationKind = 'run-started' | 'approval-needed' | 'step-failed' | 'objective-breached' | 'run-finished';

export interface NotifyInput {
  runId: string;
  /** Runbook name, for the SNS subject. */
  runbook: string;
  kind: NotificationKind;
  /** One line a person reads. */
  summary: string;
  at: string;
  /** `account` is the runbook account owning the topic (its role publishes); unset when none does. */
  sns?: { topicArn: string; account?: AccountRef };
  webhook?: { url: string };
  /** Webhook timeout. @default 5000 */
  timeoutMs?: number;
}

export type Delivery = { channel: 'sns'; topicArn: string; messageId: string } | { channel: 'webhook'; origin: string; status: number };

export interface NotifyResult {
  delivered: Delivery[];
  failed: Array<{ channel: 'sns' | 'webhook'; target: string; error: string }>;
}

/** Scheme, host and port of a URL: a webhook's path or query may hold a token, so only this is ever recorded. */
export function urlOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '[invalid url]';
  }
}

/** `arn:aws:sns:<region>:<account>:<name>` → region and account. */
export function topicLocation(topicArn: string): { region: string; accountId: string } {
  const [, , , region, accountId] = topicArn.split(':');
  return { region, accountId };
}

export function createNotifyActivities(aws: AwsSessions) {
  return {
    /** Delivers one notification to every configured channel; throws only if nothing was delivered. */
    async notify(i: NotifyInput): Promise<NotifyResult> {
      const result: NotifyResult = { delivered: [], failed: [] };
      const payload = { runId: i.runId, kind: i.kind, summary: i.summary, at: i.at };
      if (i.sns) {
        try {
          if (!i.sns.account) throw new Error(`no account of the runbook owns topic ${i.sns.topicArn}: drctl has no role to publish with`);
          const { region } = topicLocation(i.sns.topicArn);
          const out = await aws.sns(i.sns.account, region, `notify-${i.sns.account.id}`).send(new PublishCommand({
            TopicArn: i.sns.topicArn,
            Subject: `drctl ${i.kind}: ${i.runbook}`.replace(/[^\x20-\x7e]/g, '?').slice(0, 100),
            Message: JSON.stringify({ ...payload, runbook: i.runbook }),
            MessageAttributes: { kind: { DataType: 'String', StringValue: i.kind } },
          }));
          result.delivered.push({ channel: 'sns', topicArn: i.sns.topicArn, messageId: out.MessageId ?? '' });
        } catch (err) {
          result.failed.push({ channel: 'sns', target: i.sns.topicArn, error: (err as Error).message });
        }
      }
      if (i.webhook) {
        const origin = urlOrigin(i.webhook.url);
        try {
          const res = await fetch(i.webhook.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'user-agent': 'drctl' },
            body: JSON.stringify(payload),
            signal: AbortSignal.timeout(i.timeoutMs ?? 5000),
          });
          await res.arrayBuffer().catch(() => undefined);
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          result.delivered.push({ channel: 'webhook', origin, status: res.status });
        } catch (err) {
          // Never the URL itself: only its origin, and the error's own message without it.
          const msg = ((err as Error).name === 'TimeoutError' ? `no answer within ${i.timeoutMs ?? 5000} ms` : (err as Error).message).split(i.webhook.url).join(origin);
          result.failed.push({ channel: 'webhook', target: origin, error: msg });
        }
      }
      if (result.delivered.length === 0 && result.failed.length > 0) {
        throw ApplicationFailure.retryable(`notification ${i.kind} not delivered: ${result.failed.map((f) => `${f.channel} ${f.target}: ${f.error}`).join('; ')}`, 'NotDelivered');
      }
      return result;
    },
  };
}

export type NotifyActivities = ReturnType<typeof createNotifyActivities>;
