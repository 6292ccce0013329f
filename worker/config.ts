/**
 * Worker configuration from the environment, so the same process runs against the sandbox or a
 * real Temporal cluster and real AWS accounts.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_QUEUE_PREFIX } from '../workflows/queues';

export interface WorkerConfig {
  /** `TEMPORAL_ADDRESS` @default 127.0.0.1:7233 */
  address: string;
  /** `TEMPORAL_NAMESPACE` @default default */
  namespace: string;
  /** mTLS from `TEMPORAL_TLS_CERT` / `TEMPORAL_TLS_KEY` (file paths), `TEMPORAL_TLS_CA`, `TEMPORAL_TLS_SERVER_NAME`. */
  tls?: { serverNameOverride?: string; serverRootCACertificate?: Buffer; clientCertPair?: { crt: Buffer; key: Buffer } } | boolean;
  /** `TEMPORAL_API_KEY` for Temporal Cloud API-key auth (implies TLS). */
  apiKey?: string;
  /** `DRCTL_TASK_QUEUE_PREFIX` @default drctl */
  queuePrefix: string;
  /** `DRCTL_ACCOUNT_IDS`: comma-separated account ids whose activities this worker runs. */
  accountIds: string[];
  /** `DRCTL_SERVE_WORKFLOWS` (true/false): also run workflow tasks. @default true */
  serveWorkflows: boolean;
  /** `DRCTL_AWS_ENDPOINT`: one endpoint for every AWS service (the sandbox); unset for real AWS. */
  awsEndpoint?: string;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const file = (name: string) => (env[name] ? readFileSync(env[name]!) : undefined);
  const cert = file('TEMPORAL_TLS_CERT');
  const key = file('TEMPORAL_TLS_KEY');
  const ca = file('TEMPORAL_TLS_CA');
  const wantsTls = Boolean(cert || ca || env.TEMPORAL_TLS === 'true' || env.TEMPORAL_API_KEY);
  const accountIds = (env.DRCTL_ACCOUNT_IDS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const bad = accountIds.filter((id) => !/^\d{12}$/.test(id));
  if (bad.length) throw new Error(`DRCTL_ACCOUNT_IDS: not 12-digit account ids: ${bad.join(', ')}`);
  if ((cert && !key) || (key && !cert)) throw new Error('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together');
  return {
    address: env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
    tls: wantsTls ? { serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME, serverRootCACertificate: ca, clientCertPair: cert && key ? { crt: cert, key } : undefined } : undefined,
    apiKey: env.TEMPORAL_API_KEY,
    queuePrefix: env.DRCTL_TASK_QUEUE_PREFIX ?? DEFAULT_QUEUE_PREFIX,
    accountIds,
    serveWorkflows: env.DRCTL_SERVE_WORKFLOWS !== 'false',
    awsEndpoint: env.DRCTL_AWS_ENDPOINT,
  };
}
