/**
 * Incident failover behind approvals: the initiator's own approval is refused, two others let it
 * proceed; the replica is promoted and DNS moves; then failback returns DNS and the writer to the
 * primary region.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { CreateDBInstanceReadReplicaCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { ChangeResourceRecordSetsCommand, ListHostedZonesByNameCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import type { Runbook } from '../../runbooks';
import { failback } from '../../workflows';
import { awsConfig, uniqueName } from '../harness/sandbox';
import { ACCOUNT_IDS, demoRunbook, eventually, queuePrefix, startTestWorkers, testClient } from '../harness/temporal';
import { progress, startFailover, step, stepReaches } from '../harness/failover';

// This test owns its replica and DNS record, so the shared demo estate stays as seeded for others.
const replica = uniqueName('ledger-dr');
const record = `${uniqueName('api')}.payments.example.internal`;
const PRIMARY = 'payments-prod.us-east-1.payments.example.internal';
const RECOVERY = 'payments-prod.us-west-2.payments.example.internal';

async function zone(): Promise<{ r53: Route53Client; id: string }> {
  const r53 = new Route53Client(await awsConfig(ACCOUNT_IDS.production, 'us-east-1'));
  return { r53, id: (await r53.send(new ListHostedZonesByNameCommand({ DNSName: 'payments.example.internal' }))).HostedZones![0].Id! };
}

async function apiRecord(): Promise<string | undefined> {
  const { r53, id } = await zone();
  const rr = (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: id }))).ResourceRecordSets!;
  return rr.find((r) => r.Name?.replace(/\.$/, '') === record)?.ResourceRecords?.[0]?.Value;
}

function ownReplicaAndRecord(rb: Runbook): void {
  rb.tiers[0].resources[0].failover = { promoteReplica: { instance: replica } };
  rb.traffic = [{ ...rb.traffic![0], route53: { ...rb.traffic![0].route53, record } }];
}

beforeAll(async () => {
  const west = new RDSClient(await awsConfig(ACCOUNT_IDS.production, 'us-west-2'));
  await west.send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: replica, SourceDBInstanceIdentifier: `arn:aws:rds:us-east-1:${ACCOUNT_IDS.production}:db:ledger-prod` }));
  await eventually(async () => ((await west.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: replica }))).DBInstances![0].DBInstanceStatus === 'available' ? true : undefined), 60_000, 'replica available');
  const { r53, id } = await zone();
  await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: id, ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: record, Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: PRIMARY }] } }] } }));
});

it('needs two approvers who are not the initiator, fails over, and fails back', async () => {
  const prefix = queuePrefix('incident');
  const workers = await startTestWorkers(prefix);
  const temporal = await testClient();
  try {
    const declaredAt = new Date(Date.now() - 120_000).toISOString();
    const h = await startFailover(temporal.client, prefix, 'inc', { mode: 'incident', initiator: 'alice', declaredAt, tiers: ['ledger', 'payments'], change: ownReplicaAndRecord });
    await stepReaches(h, 'approve/incident', 'waiting-approval');
    await expect(h.executeUpdate('approve', { args: [{ approver: 'alice' }] })).rejects.toThrow(WorkflowUpdateFailedError);
    await h.executeUpdate('approve', { args: [{ approver: 'alice' }] }).catch((e: WorkflowUpdateFailedError) => expect(e.cause?.message).toBe('alice started this run and cannot approve it'));
    expect(await h.executeUpdate('approve', { args: [{ approver: 'bob', comment: 'ledger primary unreachable' }] })).toEqual({ gate: 'approve/incident', have: 1, needed: 2 });
    await h.executeUpdate('approve', { args: [{ approver: 'bob' }] }).catch((e: WorkflowUpdateFailedError) => expect(e.cause?.message).toBe('bob has already approved approve/incident'));
    // Still gated: nothing has changed in the cloud.
    expect(step(await progress(h), 'ledger/ledger-db/promote-replica').status).toBe('pending');
    expect(await h.executeUpdate('approve', { args: [{ approver: 'carol' }] })).toEqual({ gate: 'approve/incident', have: 2, needed: 2 });

    const r = await h.result();
    expect(r.status).toBe('COMPLETED');
    expect(r.approvals.map((a) => a.approver)).toEqual(['bob', 'carol']);
    expect(r.startedAt).toBe(declaredAt); // RTO counts from the declared disruption
    const ledger = r.tiers.find((t) => t.name === 'ledger')!;
    expect(ledger.rta.actualMs).toBeGreaterThanOrEqual(120_000);
    expect(ledger.resources[0]).toMatchObject({ recoveryPointSource: 'replica-lag', region: 'us-west-2', identifier: replica });
    expect(ledger.resources[0].rpa.verdict).toBe('met');
    const prodWest = new RDSClient(await awsConfig(ACCOUNT_IDS.production, 'us-west-2'));
    const promoted = (await prodWest.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: replica }))).DBInstances![0];
    expect(promoted.ReadReplicaSourceDBInstanceIdentifier).toBeUndefined();
    expect(await apiRecord()).toBe(RECOVERY);
    expect(r.live.map((l) => l.resource).sort()).toEqual(['ledger-db', 'payments-db']);

    // Failback (initiated by dave, approved by erin).
    const { runbook, runbookSha256 } = demoRunbook(ownReplicaAndRecord);
    const fb = await temporal.client.workflow.start(failback, { taskQueue: prefix, workflowId: `${prefix}-fb`, args: [{ runbook, runbookSha256, failover: r, initiator: 'dave', taskQueuePrefix: prefix, maxLagSeconds: 5 }] });
    await stepReaches(fb, 'approve/failback', 'waiting-approval', 120_000);
    await expect(fb.executeUpdate('approve', { args: [{ approver: 'dave' }] })).rejects.toThrow(WorkflowUpdateFailedError);
    await fb.executeUpdate('approve', { args: [{ approver: 'erin' }] });
    const back = await fb.result();
    expect(back.reasons).toEqual([]);
    expect(back.status).toBe('COMPLETED');
    expect(await apiRecord()).toBe(PRIMARY);
    const prodEast = new RDSClient(await awsConfig(ACCOUNT_IDS.production, 'us-east-1'));
    for (const l of back.live) {
      expect(l.region).toBe('us-east-1');
      const writer = (await prodEast.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: l.identifier }))).DBInstances![0];
      expect(writer.DBInstanceStatus).toBe('available');
      expect(writer.ReadReplicaSourceDBInstanceIdentifier).toBeUndefined();
    }
    expect(back.tiers.every((t) => t.status === 'validated')).toBe(true);
    // The recovery-side copies were decommissioned.
    await expect(prodWest.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: replica }))).rejects.toMatchObject({ name: 'DBInstanceNotFoundFault' });
  } finally {
    await workers.shutdown();
    await temporal.close();
  }
});
