/**
 * Fresh data and recovery points for tests that expect a restore test to pass: the seed's rows and
 * recovery points age while the suite runs (the test sandbox has no write load), and the ledger's RPO
 * is 5 minutes, so a late test would (rightly) breach it on the recovery point's age or the newest row.
 */
import { BackupClient } from '@aws-sdk/client-backup';
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { backupNow, insertRows, pgTargetOf, takeAutomatedSnapshot, withPg } from '../../sandbox/seed';
import { awsConfig, sandboxState, uniqueName } from './sandbox';
import { ACCOUNT_IDS, eventually } from './temporal';

const REGION = 'us-east-1';

/** New rows in ledger-prod and payments-prod, then a ledger-vault recovery point and a payments-prod automated snapshot. */
export async function freshRecoveryPoints(): Promise<void> {
  const rds = new RDSClient(await awsConfig(ACCOUNT_IDS.production, REGION));
  for (const [kind, id] of [['ledger', 'ledger-prod'], ['payments', 'payments-prod']] as const) {
    const db = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0];
    await withPg(pgTargetOf(sandboxState(), db), (c) => insertRows(c, kind, 2, uniqueName('fresh')));
  }
  const backup = new BackupClient(await awsConfig(ACCOUNT_IDS.production, REGION));
  await backupNow(backup, 'ledger-vault', `arn:aws:rds:${REGION}:${ACCOUNT_IDS.production}:db:ledger-prod`, uniqueName('fresh'));
  await takeAutomatedSnapshot(sandboxState(), ACCOUNT_IDS.production, REGION, 'payments-prod');
  await eventually(async () => {
    const snaps = (await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'payments-prod', SnapshotType: 'automated' }))).DBSnapshots ?? [];
    return snaps.every((s) => s.Status === 'available') ? true : undefined;
  }, 60_000, 'payments-prod snapshots available');
}
