/** Operator control of a running drill: pause and resume, abort (a drill cleans up), retry a failed step. */
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { Client as Pg } from 'pg';
import { awsConfig, sandboxState } from '../harness/sandbox';
import { rdsIdentifier, runKey } from '../../runbooks';
import { ACCOUNT_IDS, queuePrefix, startTestWorkers, testClient } from '../harness/temporal';
import { progress, startFailover, step, stepReaches } from '../harness/failover';
import { checkNeedsTable } from './failover-fixtures';
import type { RunningWorkers } from '../../worker/worker';

let workers: RunningWorkers;
let temporal: Awaited<ReturnType<typeof testClient>>;
const prefix = queuePrefix('operator');
const control = (h: { executeUpdate: (name: string, o: { args: unknown[] }) => Promise<unknown> }, action: string, stepId?: string, reason?: string) =>
  h.executeUpdate('control', { args: [{ action, by: 'olga', step: stepId, reason }] });

beforeAll(async () => {
  workers = await startTestWorkers(prefix);
  temporal = await testClient();
});
afterAll(async () => {
  await workers?.shutdown();
  await temporal?.close();
});

it('pauses (no new step starts) and resumes', async () => {
  const h = await startFailover(temporal.client, prefix, 'pause', { mode: 'drill', tiers: ['reporting'] });
  await control(h, 'pause');
  await new Promise((r) => setTimeout(r, 3000));
  const paused = await progress(h);
  expect(paused.status).toBe('paused');
  const started = paused.steps.filter((s) => s.status !== 'pending').map((s) => s.id);
  expect(started.every((id) => id === 'preflight')).toBe(true); // at most the step that was already running
  await new Promise((r) => setTimeout(r, 1500));
  expect((await progress(h)).steps.filter((s) => s.status !== 'pending').map((s) => s.id)).toEqual(started);
  await control(h, 'resume');
  const r = await h.result();
  expect(r.status).toBe('COMPLETED');
});

it('aborts mid-run and the drill removes what it created', async () => {
  const h = await startFailover(temporal.client, prefix, 'abort', { mode: 'drill', tiers: ['ledger'] });
  await stepReaches(h, 'ledger/ledger-db/copy', 'running');
  await control(h, 'abort', undefined, 'drill window closed');
  const r = await h.result();
  expect(r.status).toBe('ABORTED');
  expect(r.reasons[0]).toBe('aborted by olga: drill window closed');
  expect(step(r, 'ledger/ledger-db/copy').status).toBe('cancelled');
  expect(step(r, 'ledger/ledger-db/restore').status).toBe('pending');
  expect(r.cleanup!.deleted.some((arn) => arn.includes(':snapshot:drctl-drill-'))).toBe(true);
  expect(r.leakScan!.leaks).toEqual([]);
});

it('retries a failed step after the operator fixed the cause', async () => {
  const h = await startFailover(temporal.client, prefix, 'retry', { mode: 'drill', tiers: ['reporting'], change: checkNeedsTable('reporting', 'fx_rates') });
  const failed = await stepReaches(h, 'reporting/validate', 'failed');
  expect(step(failed, 'reporting/validate').detail).toMatch(/fx_rates present.*relation "fx_rates" does not exist/);
  expect(failed.status).toBe('waiting-operator');
  // The operator fixes the restored copy, then retries the step.
  const rds = new RDSClient(await awsConfig(ACCOUNT_IDS.recovery, 'us-west-2'));
  const identifier = rdsIdentifier('drctl-drill', runKey(h.workflowId), 'reporting-db');
  const db = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }))).DBInstances![0];
  const pg = new Pg({ host: db.Endpoint!.Address, port: db.Endpoint!.Port, database: db.DBName, user: sandboxState().postgres.user, password: sandboxState().postgres.password });
  await pg.connect();
  await pg.query('create table if not exists fx_rates (pair text, rate numeric)');
  await pg.end();
  await control(h, 'retry', 'reporting/validate');
  const r = await h.result();
  expect(r.status).toBe('COMPLETED');
  expect(step(r, 'reporting/validate')).toMatchObject({ status: 'done', attempts: 2 });
  await expect(control(h, 'retry', 'reporting/validate')).rejects.toThrow();
});
