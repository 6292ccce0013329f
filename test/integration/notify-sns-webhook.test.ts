/**
 * Notifications of a restore test: the runbook's webhook (a local HTTP receiver) gets run-started
 * and run-finished with the run id and a one-line summary; the runbook's SNS topic (in the emulator,
 * in the evidence account) gets the same publishes, seen through an HTTP subscription to the same
 * receiver (moto delivers those synchronously; its /moto-api/data.json fails on the RDS models); the evidence records what was delivered and
 * never the webhook's path (it may hold a token). A webhook that does not answer never fails a run.
 */
import { CreateTopicCommand, DeleteTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { restoreTest } from '../../workflows';
import { awsConfig, uniqueName } from '../harness/sandbox';
import { ACCOUNT_IDS, demoRunbook, queuePrefix, startTestWorkers, testClient } from '../harness/temporal';
import type { RunningWorkers } from '../../worker/worker';
import type { RestoreTestResult } from '../../workflows/restore-test';

const TOKEN = 'hook-token-5f2a9c7e';
const prefix = queuePrefix('notify');
const received: Array<{ path: string; body: { runId: string; kind: string; summary: string; at: string } }> = [];
/** What SNS delivered to the HTTP subscription (SNS's own envelope). */
const fromSns: Array<{ Type: string; TopicArn: string; Subject?: string; Message: string }> = [];
let server: http.Server;
let workers: RunningWorkers;
let temporal: Awaited<ReturnType<typeof testClient>>;
let sns: SNSClient;
let topicArn: string;
let result: RestoreTestResult;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/sns') fromSns.push(JSON.parse(body) as (typeof fromSns)[number]);
      else received.push({ path: req.url ?? '', body: JSON.parse(body) as (typeof received)[number]['body'] });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  sns = new SNSClient(await awsConfig(ACCOUNT_IDS.evidence, 'us-east-1'));
  topicArn = (await sns.send(new CreateTopicCommand({ Name: uniqueName('drctl-notify') }))).TopicArn!;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'http', Endpoint: `http://127.0.0.1:${port}/sns` }));
  workers = await startTestWorkers(prefix);
  temporal = await testClient();
  const { runbook, runbookSha256 } = demoRunbook((rb) => {
    rb.notifications = { sns: { topicArn }, webhook: { url: `http://127.0.0.1:${port}/drctl/${TOKEN}?t=${TOKEN}` } };
  });
  result = await temporal.client.workflow.execute(restoreTest, {
    taskQueue: prefix, workflowId: `${prefix}-rt`,
    args: [{ runbook, runbookSha256, resourceId: 'reporting-db', initiator: 'jest:notify', taskQueuePrefix: prefix }],
  });
});

afterAll(async () => {
  await workers?.shutdown();
  await temporal?.close();
  await sns?.send(new DeleteTopicCommand({ TopicArn: topicArn })).catch(() => undefined);
  sns?.destroy();
  await new Promise((resolve) => server?.close(resolve));
});

it('posts run-started and run-finished to the webhook, with the run id and a one-line summary', () => {
  expect(result.status).toBe('PASSED');
  expect(received.map((r) => r.body.kind)).toEqual(['run-started', 'run-finished']);
  for (const r of received) {
    expect(r.body.runId).toBe(`${prefix}-rt`);
    expect(r.body.summary).not.toContain('\n');
    expect(Date.parse(r.body.at)).toBeGreaterThan(0);
    expect(r.path).toBe(`/drctl/${TOKEN}?t=${TOKEN}`);
  }
  expect(received[0].body.summary).toBe('restore test of reporting-db (demo-payments-platform) started by jest:notify');
  expect(received[1].body.summary).toBe('restore test of reporting-db (demo-payments-platform): PASSED');
});

it('publishes the same to the SNS topic, through the topic account\'s role', async () => {
  const notes = fromSns.filter((n) => n.Type === 'Notification');
  expect(notes.every((n) => n.TopicArn === topicArn)).toBe(true);
  const messages = notes.map((n) => ({ subject: n.Subject, ...(JSON.parse(n.Message) as { runId: string; kind: string }) }));
  expect(messages.map((m) => m.kind)).toEqual(['run-started', 'run-finished']);
  expect(messages.every((m) => m.runId === `${prefix}-rt`)).toBe(true);
  expect(messages[0].subject).toBe('drctl run-started: demo-payments-platform');
});

it('records each delivery in the evidence, without the webhook\'s path or query', async () => {
  const s3 = new S3Client({ ...(await awsConfig(ACCOUNT_IDS.evidence, 'us-east-1')), forcePathStyle: true });
  try {
    const keys = ((await s3.send(new ListObjectsV2Command({ Bucket: 'drctl-demo-evidence', Prefix: `runs/${prefix}-rt/` }))).Contents ?? []).map((o) => o.Key!).sort();
    const bodies = await Promise.all(keys.map(async (Key) => (await s3.send(new GetObjectCommand({ Bucket: 'drctl-demo-evidence', Key }))).Body!.transformToString()));
    for (const b of bodies) expect(b).not.toContain(TOKEN);
    const notifications = bodies.map((b) => JSON.parse(b) as { type: string; data: { kind: string; delivered: Array<{ channel: string }> } }).filter((e) => e.type === 'notification');
    expect(notifications.map((n) => [n.data.kind, n.data.delivered.map((d) => d.channel).sort()])).toEqual([['run-started', ['sns', 'webhook']], ['run-finished', ['sns', 'webhook']]]);
  } finally {
    s3.destroy();
  }
});

it('a webhook that does not answer is recorded as not delivered, and the run still passes', async () => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve)); // nothing listens there now
  const { runbook, runbookSha256 } = demoRunbook((rb) => {
    rb.notifications = { webhook: { url: `http://127.0.0.1:${port}/gone` }, on: ['run-finished'] };
  });
  const r = await temporal.client.workflow.execute(restoreTest, {
    taskQueue: prefix, workflowId: `${prefix}-rt-down`,
    args: [{ runbook, runbookSha256, resourceId: 'reporting-db', initiator: 'jest:notify', taskQueuePrefix: prefix }],
  });
  expect(r.status).toBe('PASSED');
  const s3 = new S3Client({ ...(await awsConfig(ACCOUNT_IDS.evidence, 'us-east-1')), forcePathStyle: true });
  try {
    const keys = ((await s3.send(new ListObjectsV2Command({ Bucket: 'drctl-demo-evidence', Prefix: `runs/${prefix}-rt-down/events/` }))).Contents ?? []).map((o) => o.Key!).sort();
    const events = await Promise.all(keys.map(async (Key) => JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: 'drctl-demo-evidence', Key }))).Body!.transformToString()) as { type: string; data: Record<string, unknown> }));
    const n = events.filter((e) => e.type === 'notification');
    expect(n).toHaveLength(1); // only the kinds listed in `on`
    expect(n[0].data).toMatchObject({ kind: 'run-finished', delivered: [] });
    expect(JSON.stringify(n[0].data.failed)).toContain('not delivered');
    expect(events[events.length - 1].type).toBe('run.ended');
  } finally {
    s3.destroy();
  }
});
