/**
 * Fresh recovery points for tests that expect a restore test to pass: the seed's recovery points age
 * while the suite runs, and the ledger's RPO is 5 minutes, so a late test would (rightly) breach it.
 */
import { BackupClient } from '@aws-sdk/client-backup';
import { DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { backupNow, takeAutomatedSnapshot } from '../../sandbox/seed';
import { awsConfig, sandboxState, uniqueName } from './sandbox';
import { ACCOUNT_IDS, eventually } from './temporal';

const REGION = 'us-east-1';

/** A new ledger-prod recovery point in ledger-vault and a new automated snapshot of payments-prod. */
export async function freshRecoveryPoints(): Promise<void> {
  const backup = new BackupClient(await awsConfig(ACCOUNT_IDS.production, REGION));
  await backupNow(backup, 'ledger-vault', `arn:aws:rds:${REGION}:${ACCOUNT_IDS.production}:db:ledger-prod`, uniqueName('fresh'));
  await takeAutomatedSnapshot(sandboxState(), ACCOUNT_IDS.production, REGION, 'payments-prod');
  const rds = new RDSClient(await awsConfig(ACCOUNT_IDS.production, REGION));
  await eventually(async () => {
    const snaps = (await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'payments-prod', SnapshotType: 'automated' }))).DBSnapshots ?? [];
    return snaps.every((s) => s.Status === 'available') ? true : undefined;
  }, 60_000, 'payments-prod snapshots available');
}
