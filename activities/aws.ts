/**
 * AWS clients per account: each account is reached by STS AssumeRole (with its external id and a
 * session name that carries the run), never with long-lived keys. Credentials stay in memory.
 */
import { BackupClient } from '@aws-sdk/client-backup';
import { EC2Client } from '@aws-sdk/client-ec2';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { recordCloudCalls } from './cloud-calls';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';

/** An account as activities see it: enough to assume its role. */
export interface AccountRef {
  alias: string;
  id: string;
  role: string;
  externalId?: string;
}

export interface AwsOptions {
  /** Endpoint override for every service (the sandbox's moto); unset for real AWS. */
  endpoint?: string;
  /** Credentials the orchestrator starts from; default: the SDK's provider chain. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** SDK attempts per call. @default 3 */
  maxAttempts?: number;
}

type ClientKind = 'rds' | 'backup' | 'ec2' | 'secrets' | 's3' | 'sns';
const CTORS = { rds: RDSClient, backup: BackupClient, ec2: EC2Client, secrets: SecretsManagerClient, s3: S3Client, sns: SNSClient } as const;
type ClientOf<K extends ClientKind> = InstanceType<(typeof CTORS)[K]>;

/** Role session names are limited to 64 characters of [\w+=,.@-]. */
export function sessionName(runKey: string): string {
  return `drctl-${runKey.replace(/[^\w+=,.@-]/g, '-')}`.slice(0, 64);
}

export class AwsSessions {
  private readonly clients = new Map<string, unknown>();

  constructor(private readonly opts: AwsOptions = {}) {}

  /** A client of `kind` acting in `account` and `region` for the run `runKey`. Cached per run. */
  client<K extends ClientKind>(kind: K, account: AccountRef, region: string, runKey: string): ClientOf<K> {
    return this.make(CTORS[kind] as unknown as new (cfg: object) => ClientOf<K>, account, region, runKey);
  }

  rds(account: AccountRef, region: string, runKey: string) {
    return this.client('rds', account, region, runKey);
  }
  backup(account: AccountRef, region: string, runKey: string) {
    return this.client('backup', account, region, runKey);
  }
  ec2(account: AccountRef, region: string, runKey: string) {
    return this.client('ec2', account, region, runKey);
  }
  secrets(account: AccountRef, region: string, runKey: string) {
    return this.client('secrets', account, region, runKey);
  }
  s3(account: AccountRef, region: string, runKey: string) {
    return this.client('s3', account, region, runKey);
  }
  sns(account: AccountRef, region: string, runKey: string) {
    return this.client('sns', account, region, runKey);
  }

  /** Any other SDK v3 client acting in `account` and `region` for the run (cached per run). */
  make<C extends { destroy(): void }>(Ctor: new (cfg: object) => C, account: AccountRef, region: string, runKey: string): C {
    const key = `${Ctor.name}|${account.id}|${region}|${runKey}`;
    let client = this.clients.get(key) as C | undefined;
    if (!client) {
      const credentials = fromTemporaryCredentials({
        params: { RoleArn: account.role, RoleSessionName: sessionName(runKey), ExternalId: account.externalId, DurationSeconds: 3600 },
        masterCredentials: this.opts.credentials,
        clientConfig: { region, endpoint: this.opts.endpoint, maxAttempts: this.opts.maxAttempts ?? 3 },
      });
      // S3 behind an endpoint override (the sandbox) needs path-style addressing; real S3 may redirect to the bucket's region.
      const extra = (Ctor as unknown) === S3Client ? { forcePathStyle: Boolean(this.opts.endpoint), followRegionRedirects: true } : {};
      client = new Ctor({ region, endpoint: this.opts.endpoint, credentials, maxAttempts: this.opts.maxAttempts ?? 3, ...extra });
      recordCloudCalls(client as unknown as Parameters<typeof recordCloudCalls>[0], account.id, region);
      this.clients.set(key, client);
    }
    return client;
  }

  /** Drops cached clients (and their credentials). */
  close(): void {
    for (const c of this.clients.values()) (c as { destroy(): void }).destroy();
    this.clients.clear();
  }
}

/** True for the AWS "does not exist" family of errors, across services. */
export function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string })?.name ?? '';
  return /NotFound|NoSuch|ResourceNotFoundException/.test(name);
}
