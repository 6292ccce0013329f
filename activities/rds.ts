/** RDS lookups, waits and tags shared by the restore-test and failover activities. */
import { ApplicationFailure } from '@temporalio/activity';
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, type DBInstance, type DBSnapshot, type RDSClient, type Tag } from '@aws-sdk/client-rds';
import { TAG_PURPOSE, TAG_RUN, TAG_RUNBOOK, TAG_STEP } from '../runbooks';
import { isNotFound } from './aws';
import type { Scope } from './types';
import { waitFor } from './wait';

/** The tags drctl puts on everything it creates; the leak scan looks for `drctl:run`. */
export function runTags(s: Scope, step: string, purpose: string): Tag[] {
  return [{ Key: TAG_RUN, Value: s.runKey }, { Key: TAG_STEP, Value: step }, { Key: TAG_RUNBOOK, Value: s.runbook }, { Key: TAG_PURPOSE, Value: purpose }];
}

/** The instance, or undefined when it does not exist. */
export async function describeInstance(rds: RDSClient, id: string): Promise<DBInstance | undefined> {
  try {
    return (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The snapshot, or undefined when it does not exist. */
export async function describeSnapshot(rds: RDSClient, id: string): Promise<DBSnapshot | undefined> {
  try {
    return (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }))).DBSnapshots?.[0];
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Waits until the snapshot is available; one that disappears or fails ends the wait at once. */
export function snapshotAvailable(rds: RDSClient, id: string): Promise<DBSnapshot> {
  return waitFor(async () => {
    const snap = await describeSnapshot(rds, id);
    if (!snap) throw ApplicationFailure.nonRetryable(`snapshot ${id} disappeared`, 'SnapshotGone');
    if (snap.Status === 'failed' || snap.Status === 'error') throw ApplicationFailure.nonRetryable(`snapshot ${id} is ${snap.Status}`, 'SnapshotFailed');
    return snap.Status === 'available' ? snap : undefined;
  }, { what: `snapshot ${id} available` });
}

/** Waits until the instance exists, is available and satisfies `extra`; a failed instance ends the wait. */
export function instanceAvailable(rds: RDSClient, id: string, extra: (db: DBInstance) => boolean = () => true): Promise<DBInstance> {
  return waitFor(async () => {
    const db = await describeInstance(rds, id);
    if (db && ['failed', 'incompatible-restore', 'incompatible-parameters'].includes(db.DBInstanceStatus ?? '')) {
      throw ApplicationFailure.nonRetryable(`instance ${id} is ${db.DBInstanceStatus}`, 'InstanceFailed');
    }
    return db?.DBInstanceStatus === 'available' && extra(db) ? db : undefined;
  }, { what: `instance ${id} available` });
}
