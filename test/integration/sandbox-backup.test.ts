/**
 * The sandbox's AWS Backup simulation (sandbox/moto/backup_jobs.py), through the real SDK v3 clients:
 * backup job -> recovery point holding a real dump -> cross-account copy -> restore job -> the
 * restored PostgreSQL database holds the rows, with job dates that reflect the simulated durations.
 */
import { randomBytes } from 'node:crypto';
import {
  BackupClient,
  CreateBackupVaultCommand,
  DeleteBackupVaultCommand,
  DeleteRecoveryPointCommand,
  DescribeBackupJobCommand,
  DescribeCopyJobCommand,
  DescribeRecoveryPointCommand,
  DescribeRestoreJobCommand,
  GetRestoreJobMetadataCommand,
  ListBackupJobsCommand,
  ListCopyJobsCommand,
  ListRecoveryPointsByBackupVaultCommand,
  ListRecoveryPointsByResourceCommand,
  ListRestoreJobsCommand,
  PutRestoreValidationResultCommand,
  StartBackupJobCommand,
  StartCopyJobCommand,
  StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import { CreateDBInstanceCommand, DeleteDBInstanceCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import type { SandboxState } from '../../sandbox/state';
import { awsConfig, pgQuery, sandboxState, until } from '../harness/sandbox';

const PROD = '111111111111';
const RESTORE_TEST = '333333333333';
const REGION = 'us-east-1';
const SCALE = 0.2;
/** Base durations (seconds at scale 1) the extension documents. */
const BACKUP_S = 3;
const COPY_S = 3;
const RESTORE_S = 5;

const suffix = randomBytes(3).toString('hex');
const name = (base: string) => `${base}-${suffix}`;

let state: SandboxState;
let previousScale: number;
const clients: { destroy(): void }[] = [];

async function backupClient(account: string): Promise<BackupClient> {
  const c = new BackupClient(await awsConfig(account, REGION));
  clients.push(c);
  return c;
}
async function rdsClient(account: string): Promise<RDSClient> {
  const c = new RDSClient(await awsConfig(account, REGION));
  clients.push(c);
  return c;
}

/** The sandbox's current time scale. Read it right before starting a job: other test files share it. */
async function currentScale(): Promise<number> {
  const res = await fetch(`${state.moto.endpoint}/drctl-sandbox/config`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { timeScale: number }).timeScale;
}

async function setScale(scale: number): Promise<void> {
  const res = await fetch(`${state.moto.endpoint}/drctl-sandbox/config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ timeScale: scale }),
  });
  expect(res.status).toBe(200);
}

/** Simulated duration bounds: at least the scaled base time, not much more. */
function expectDuration(actualSeconds: number, baseSeconds: number, scale: number): void {
  expect(actualSeconds).toBeGreaterThanOrEqual(baseSeconds * scale * 0.9);
  expect(actualSeconds).toBeLessThan(baseSeconds * scale + 2);
}



/** A production DB instance whose PostgreSQL database holds a journal with two rows. */
async function sourceInstance(rds: RDSClient, id: string): Promise<{ arn: string; dbName: string }> {
  const out = await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      DBInstanceClass: 'db.t3.micro',
      Engine: 'postgres',
      MasterUsername: 'ledger',
      MasterUserPassword: 'not-a-secret-1',
      AllocatedStorage: 20,
    }),
  );
  const inst = await until('source instance available', async () => {
    const d = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
    return d?.DBInstanceStatus === 'available' ? d : undefined;
  });
  expect(inst.Endpoint?.Address).toBe('127.0.0.1');
  expect(inst.Endpoint?.Port).toBe(state.postgres.port);
  const dbName = inst.DBName!;
  expect(dbName).toBe(`rds_${PROD}_us_east_1_${id.replace(/-/g, '_')}`);
  await pgQuery(
    dbName,
    `create table journal_entries (id serial primary key, amount numeric not null,
       committed_at timestamptz not null default clock_timestamp())`,
  );
  await pgQuery(dbName, 'insert into journal_entries (amount) values (100), (-100)');
  return { arn: out.DBInstance!.DBInstanceArn!, dbName };
}

beforeAll(async () => {
  state = sandboxState();
  previousScale = await currentScale();
  await setScale(SCALE);
});

afterAll(async () => {
  // Put the scale back unless someone else changed it meanwhile (test files run in parallel).
  if (state && (await currentScale()) === SCALE) await setScale(previousScale);
  for (const c of clients) c.destroy();
});

const seconds = (a: Date | undefined, b: Date | undefined) => (b!.getTime() - a!.getTime()) / 1000;

describe('AWS Backup simulation', () => {
  test('backup job -> cross-account copy -> restore job restores the real rows, with simulated durations', async () => {
    const prodBackup = await backupClient(PROD);
    const rtBackup = await backupClient(RESTORE_TEST);
    const prodRds = await rdsClient(PROD);
    const rtRds = await rdsClient(RESTORE_TEST);
    const vault = name('ledger-vault');
    const rtVault = name('rt-vault');
    await prodBackup.send(new CreateBackupVaultCommand({ BackupVaultName: vault }));
    const rtVaultArn = (await rtBackup.send(new CreateBackupVaultCommand({ BackupVaultName: rtVault }))).BackupVaultArn!;
    const src = await sourceInstance(prodRds, name('ledger'));

    // Backup job: the dump is taken when the job starts.
    let scale = await currentScale();
    const started = await prodBackup.send(
      new StartBackupJobCommand({ BackupVaultName: vault, ResourceArn: src.arn, IamRoleArn: `arn:aws:iam::${PROD}:role/backup` }),
    );
    await pgQuery(src.dbName, 'insert into journal_entries (amount) values (7)'); // after the consistent point
    const first = await prodBackup.send(new DescribeBackupJobCommand({ BackupJobId: started.BackupJobId }));
    expect(['CREATED', 'RUNNING']).toContain(first.State);
    const job = await until('backup job completed', async () => {
      const j = await prodBackup.send(new DescribeBackupJobCommand({ BackupJobId: started.BackupJobId }));
      return j.State === 'COMPLETED' ? j : undefined;
    });
    expect(job.PercentDone).toBe('100.0');
    expect(job.CreationDate).toBeInstanceOf(Date);
    expectDuration(seconds(job.CreationDate, job.CompletionDate), BACKUP_S, scale);
    expect(job.RecoveryPointArn).toBe(started.RecoveryPointArn);
    const listed = await prodBackup.send(new ListBackupJobsCommand({ ByResourceArn: src.arn }));
    expect(listed.BackupJobs?.map((j) => j.BackupJobId)).toContain(started.BackupJobId);

    const rp = await prodBackup.send(
      new DescribeRecoveryPointCommand({ BackupVaultName: vault, RecoveryPointArn: started.RecoveryPointArn }),
    );
    expect(rp.Status).toBe('COMPLETED');
    expect(rp.ResourceArn).toBe(src.arn);
    expect(rp.ResourceType).toBe('RDS');
    expect(rp.CreationDate?.getTime()).toBe(job.CreationDate?.getTime());
    const byVault = await prodBackup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: vault }));
    expect(byVault.RecoveryPoints?.map((r) => r.RecoveryPointArn)).toEqual([started.RecoveryPointArn]);
    const byResource = await prodBackup.send(new ListRecoveryPointsByResourceCommand({ ResourceArn: src.arn }));
    expect(byResource.RecoveryPoints?.map((r) => r.RecoveryPointArn)).toContain(started.RecoveryPointArn);

    // Copy into the isolated restore-test account's vault.
    scale = await currentScale();
    const copy = await prodBackup.send(
      new StartCopyJobCommand({
        RecoveryPointArn: started.RecoveryPointArn,
        SourceBackupVaultName: vault,
        DestinationBackupVaultArn: rtVaultArn,
        IamRoleArn: `arn:aws:iam::${PROD}:role/backup`,
      }),
    );
    const copyJob = await until('copy job completed', async () => {
      const c = (await prodBackup.send(new DescribeCopyJobCommand({ CopyJobId: copy.CopyJobId }))).CopyJob;
      return c?.State === 'COMPLETED' ? c : undefined;
    });
    expectDuration(seconds(copyJob.CreationDate, copyJob.CompletionDate), COPY_S, scale);
    expect(copyJob.DestinationBackupVaultArn).toBe(rtVaultArn);
    const copies = await prodBackup.send(new ListCopyJobsCommand({ ByDestinationVaultArn: rtVaultArn }));
    expect(copies.CopyJobs?.map((c) => c.CopyJobId)).toEqual([copy.CopyJobId]);
    const rtPoints = (await rtBackup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: rtVault })))
      .RecoveryPoints!;
    expect(rtPoints).toHaveLength(1);
    expect(rtPoints[0].RecoveryPointArn).toBe(copyJob.DestinationRecoveryPointArn);
    expect(rtPoints[0].RecoveryPointArn).toContain(`:${RESTORE_TEST}:`);
    expect(rtPoints[0].Status).toBe('COMPLETED');

    // Restore in the restore-test account.
    const restoredId = name('ledger-rt');
    scale = await currentScale();
    const restore = await rtBackup.send(
      new StartRestoreJobCommand({
        RecoveryPointArn: rtPoints[0].RecoveryPointArn,
        IamRoleArn: `arn:aws:iam::${RESTORE_TEST}:role/backup`,
        ResourceType: 'RDS',
        Metadata: { DBInstanceIdentifier: restoredId, DBInstanceClass: 'db.t3.micro' },
      }),
    );
    const during = await rtBackup.send(new DescribeRestoreJobCommand({ RestoreJobId: restore.RestoreJobId }));
    expect(['PENDING', 'RUNNING']).toContain(during.Status);
    const creating = (await rtRds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: restoredId }))).DBInstances![0];
    expect(creating.DBInstanceStatus).toBe('creating');
    const done = await until('restore job completed', async () => {
      const r = await rtBackup.send(new DescribeRestoreJobCommand({ RestoreJobId: restore.RestoreJobId }));
      return r.Status === 'COMPLETED' || r.Status === 'FAILED' ? r : undefined;
    });
    expect(done.Status).toBe('COMPLETED');
    expect(done.PercentDone).toBe('100.0');
    expect(done.RecoveryPointArn).toBe(rtPoints[0].RecoveryPointArn);
    expect(done.RecoveryPointCreationDate?.getTime()).toBe(job.CreationDate?.getTime());
    expectDuration(seconds(done.CreationDate, done.CompletionDate), RESTORE_S, scale);
    expect(done.CreatedResourceArn).toBe(`arn:aws:rds:${REGION}:${RESTORE_TEST}:db:${restoredId}`);

    const restored = (await rtRds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: restoredId }))).DBInstances![0];
    expect(restored.DBInstanceStatus).toBe('available');
    expect(restored.DBName).toBe(`rds_${RESTORE_TEST}_us_east_1_${restoredId.replace(/-/g, '_')}`);
    const rows = await pgQuery<{ amount: string }>(restored.DBName!, 'select amount from journal_entries order by id');
    expect(rows.map((r) => Number(r.amount))).toEqual([100, -100]); // not the row inserted after the backup started

    // Validation result and the job listings.
    await rtBackup.send(
      new PutRestoreValidationResultCommand({
        RestoreJobId: restore.RestoreJobId,
        ValidationStatus: 'SUCCESSFUL',
        ValidationStatusMessage: 'journal balances',
      }),
    );
    const validated = await rtBackup.send(new DescribeRestoreJobCommand({ RestoreJobId: restore.RestoreJobId }));
    expect(validated.ValidationStatus).toBe('SUCCESSFUL');
    expect(validated.ValidationStatusMessage).toBe('journal balances');
    const meta = await rtBackup.send(new GetRestoreJobMetadataCommand({ RestoreJobId: restore.RestoreJobId }));
    expect(meta.Metadata?.DBInstanceIdentifier).toBe(restoredId);
    const completed = await rtBackup.send(
      new ListRestoreJobsCommand({ ByStatus: 'COMPLETED', ByCreatedAfter: new Date(done.CreationDate!.getTime() - 1000) }),
    );
    expect(completed.RestoreJobs?.map((r) => r.RestoreJobId)).toContain(restore.RestoreJobId);
    const failed = await rtBackup.send(new ListRestoreJobsCommand({ ByStatus: 'FAILED' }));
    expect(failed.RestoreJobs?.map((r) => r.RestoreJobId) ?? []).not.toContain(restore.RestoreJobId);

    // Cleanup: the restored instance drops its database; recovery points and vaults go.
    await rtRds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: restoredId, SkipFinalSnapshot: true }));
    await prodRds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: name('ledger'), SkipFinalSnapshot: true }));
    const left = await pgQuery('postgres', 'select datname from pg_database where datname = any($1)', [[restored.DBName, src.dbName]]);
    expect(left).toEqual([]);
    await rtBackup.send(new DeleteRecoveryPointCommand({ BackupVaultName: rtVault, RecoveryPointArn: rtPoints[0].RecoveryPointArn }));
    await prodBackup.send(new DeleteRecoveryPointCommand({ BackupVaultName: vault, RecoveryPointArn: started.RecoveryPointArn }));
    await rtBackup.send(new DeleteBackupVaultCommand({ BackupVaultName: rtVault }));
    await prodBackup.send(new DeleteBackupVaultCommand({ BackupVaultName: vault }));
  });

  test('idempotency tokens return the same backup, copy and restore job', async () => {
    const prodBackup = await backupClient(PROD);
    const rtBackup = await backupClient(RESTORE_TEST);
    const prodRds = await rdsClient(PROD);
    const vault = name('idem-vault');
    await prodBackup.send(new CreateBackupVaultCommand({ BackupVaultName: vault }));
    const rtVaultArn = (await rtBackup.send(new CreateBackupVaultCommand({ BackupVaultName: name('idem-rt') }))).BackupVaultArn!;
    const src = await sourceInstance(prodRds, name('idem'));
    const role = `arn:aws:iam::${PROD}:role/backup`;

    const backupInput = { BackupVaultName: vault, ResourceArn: src.arn, IamRoleArn: role, IdempotencyToken: name('bk') };
    const b1 = await prodBackup.send(new StartBackupJobCommand(backupInput));
    const b2 = await prodBackup.send(new StartBackupJobCommand(backupInput));
    expect(b2.BackupJobId).toBe(b1.BackupJobId);
    expect(b2.RecoveryPointArn).toBe(b1.RecoveryPointArn);
    const b3 = await prodBackup.send(new StartBackupJobCommand({ ...backupInput, IdempotencyToken: name('bk2') }));
    expect(b3.BackupJobId).not.toBe(b1.BackupJobId);
    await until('backup completed', async () => {
      const j = await prodBackup.send(new DescribeBackupJobCommand({ BackupJobId: b1.BackupJobId }));
      return j.State === 'COMPLETED' ? j : undefined;
    });

    const copyInput = {
      RecoveryPointArn: b1.RecoveryPointArn,
      SourceBackupVaultName: vault,
      DestinationBackupVaultArn: rtVaultArn,
      IamRoleArn: role,
      IdempotencyToken: name('cp'),
    };
    const c1 = await prodBackup.send(new StartCopyJobCommand(copyInput));
    const c2 = await prodBackup.send(new StartCopyJobCommand(copyInput));
    expect(c2.CopyJobId).toBe(c1.CopyJobId);
    const points = (await rtBackup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: name('idem-rt') })))
      .RecoveryPoints!;
    expect(points).toHaveLength(1);

    const restoreInput = {
      RecoveryPointArn: b1.RecoveryPointArn,
      Metadata: { DBInstanceIdentifier: name('idem-restored') },
      IamRoleArn: role,
      IdempotencyToken: name('rs'),
    };
    const r1 = await prodBackup.send(new StartRestoreJobCommand(restoreInput));
    const r2 = await prodBackup.send(new StartRestoreJobCommand(restoreInput));
    expect(r2.RestoreJobId).toBe(r1.RestoreJobId);
    const rds = (await prodRds.send(new DescribeDBInstancesCommand({}))).DBInstances!;
    expect(rds.filter((d) => d.DBInstanceIdentifier === name('idem-restored'))).toHaveLength(1);
    await until('restore completed', async () => {
      const r = await prodBackup.send(new DescribeRestoreJobCommand({ RestoreJobId: r1.RestoreJobId }));
      return r.Status === 'COMPLETED' ? r : undefined;
    });
    await prodRds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: name('idem-restored'), SkipFinalSnapshot: true }));
    await prodRds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: name('idem'), SkipFinalSnapshot: true }));
  });

  test('unknown vaults, recovery points and jobs are ResourceNotFoundException', async () => {
    const backup = await backupClient(PROD);
    const prodRds = await rdsClient(PROD);
    const src = await sourceInstance(prodRds, name('nf'));
    const missing = name('no-such-vault');
    await expect(
      backup.send(new StartBackupJobCommand({ BackupVaultName: missing, ResourceArn: src.arn, IamRoleArn: 'arn:aws:iam::1:role/x' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } });
    await expect(backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: missing }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    const vault = name('nf-vault');
    await backup.send(new CreateBackupVaultCommand({ BackupVaultName: vault }));
    await expect(
      backup.send(
        new DescribeRecoveryPointCommand({
          BackupVaultName: vault,
          RecoveryPointArn: `arn:aws:rds:${REGION}:${PROD}:snapshot:awsbackup:job-nope`,
        }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(
      backup.send(
        new StartCopyJobCommand({
          RecoveryPointArn: `arn:aws:rds:${REGION}:${PROD}:snapshot:awsbackup:job-nope`,
          SourceBackupVaultName: vault,
          DestinationBackupVaultArn: `arn:aws:backup:${REGION}:${RESTORE_TEST}:backup-vault:${missing}`,
          IamRoleArn: 'arn:aws:iam::1:role/x',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(backup.send(new DescribeRestoreJobCommand({ RestoreJobId: 'NOPE' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await prodRds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: name('nf'), SkipFinalSnapshot: true }));
    await backup.send(new DeleteBackupVaultCommand({ BackupVaultName: vault }));
  });
});
