/**
 * A drill of the demo platform completes with every tier's RTA and RPA measured, and production's
 * RDS instances, replicas, snapshots and DNS records are exactly as before.
 */
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { ListHostedZonesByNameCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { defaultEvidenceDir, readLocalEvidence } from '../../activities/evidence';
import { awsConfig } from '../harness/sandbox';
import { ACCOUNT_IDS, queuePrefix, startTestWorkers, testClient } from '../harness/temporal';
import { startFailover } from '../harness/failover';

/** Everything of production a drill could conceivably touch, in a comparable form. */
async function productionState(): Promise<unknown> {
  const out: Record<string, unknown> = {};
  for (const region of ['us-east-1', 'us-west-2']) {
    const rds = new RDSClient(await awsConfig(ACCOUNT_IDS.production, region));
    out[`instances ${region}`] = ((await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [])
      .filter((d) => !d.DBInstanceIdentifier!.startsWith('drctl-') && !d.DBInstanceIdentifier!.includes('-t-'))
      .map((d) => ({ id: d.DBInstanceIdentifier, status: d.DBInstanceStatus, arn: d.DBInstanceArn, replicaOf: d.ReadReplicaSourceDBInstanceIdentifier, replicas: d.ReadReplicaDBInstanceIdentifiers, subnets: d.DBSubnetGroup?.DBSubnetGroupName, tags: d.TagList }))
      .sort((a, b) => a.id!.localeCompare(b.id!));
    out[`manual snapshots ${region}`] = ((await rds.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual' }))).DBSnapshots ?? []).map((s) => s.DBSnapshotIdentifier).sort();
  }
  const r53 = new Route53Client(await awsConfig(ACCOUNT_IDS.production, 'us-east-1'));
  const zone = (await r53.send(new ListHostedZonesByNameCommand({ DNSName: 'payments.example.internal' }))).HostedZones![0].Id!;
  out.records = (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone }))).ResourceRecordSets;
  return out;
}

it('measures every tier and leaves production exactly as it was', async () => {
  const prefix = queuePrefix('drill');
  const workers = await startTestWorkers(prefix);
  const temporal = await testClient();
  try {
    const before = await productionState();
    const r = await (await startFailover(temporal.client, prefix, 'drill', { mode: 'drill' })).result();
    expect(r.status).toBe('COMPLETED');
    expect(r.reasons.filter((x) => !x.includes('RPO breached'))).toEqual([]);
    expect(r.tiers.map((t) => [t.name, t.status, t.rta.verdict])).toEqual([['ledger', 'validated', 'met'], ['payments', 'validated', 'met'], ['reporting', 'validated', 'met']]);
    for (const t of r.tiers) {
      expect(t.rta.actualMs).toBe(Date.parse(t.validatedAt!) - Date.parse(r.startedAt));
      for (const res of t.resources) {
        expect(res.accountId).toBe(ACCOUNT_IDS.recovery); // every copy lives in the recovery account
        expect(res.region).toBe('us-west-2');
        expect(res.rpa.actualMs).not.toBeNull();
        expect(res.recoveryPointSource).toBe('snapshot-time');
      }
    }
    // The data-level RPA comes from the newest row of the restored copy.
    const ledger = r.tiers[0].resources[0];
    expect(ledger.dataRpa.actualMs).toBe(Math.max(0, Date.parse(r.startedAt) - Date.parse(ledger.newestRow!)));
    expect(r.tiers[0].checks.map((c) => [c.name, c.passed])).toEqual([['journal not empty', true], ['books balance', true], ['freshness', true]]);
    // Production never written: no promote, no DNS change, and the same state afterwards.
    expect(r.steps.filter((s) => s.effect === 'write').every((s) => s.accountId === ACCOUNT_IDS.recovery)).toBe(true);
    expect(r.traffic[0]).toMatchObject({ before: 'payments-prod.us-east-1.payments.example.internal', after: 'payments-prod.us-west-2.payments.example.internal' });
    expect(await productionState()).toEqual(before);
    expect(r.cleanup!.problems).toEqual([]);
    expect(r.cleanup!.deleted.length).toBeGreaterThanOrEqual(7);
    expect(r.leakScan!.leaks).toEqual([]);

    // Evidence names every changing cloud call with its account, region and request id.
    const events = readLocalEvidence(defaultEvidenceDir(), r.workflowId).events as Array<{ type: string; data: { step?: string; calls?: Array<{ operation: string; accountId: string; region: string; requestId?: string }> } }>;
    const restore = events.find((e) => e.type === 'action' && e.data.step === 'ledger/ledger-db/restore')!;
    expect(restore.data.calls).toEqual([expect.objectContaining({ operation: 'RestoreDBInstanceFromDBSnapshot', accountId: ACCOUNT_IDS.recovery, region: 'us-west-2', requestId: expect.any(String) })]);
    const snapshot = events.find((e) => e.type === 'action' && e.data.step === 'ledger/ledger-db/snapshot')!;
    expect(snapshot.data.calls?.map((c) => [c.operation, c.accountId])).toEqual([['CreateDBSnapshot', ACCOUNT_IDS.production]]);
    const cleanup = events.find((e) => e.type === 'cleanup')!;
    expect(cleanup.data.calls?.filter((c) => c.operation === 'DeleteDBInstance')).toHaveLength(3);
  } finally {
    await workers.shutdown();
    await temporal.close();
  }
});
