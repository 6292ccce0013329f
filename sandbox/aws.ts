/**
 * AWS SDK v3 client configuration for the sandbox's moto: the home account's fixed credentials,
 * and per-account credentials obtained with STS AssumeRole, exactly as the product does against
 * real AWS (moto issues credentials that act in the account named by the role ARN).
 */
import { createHash, createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { parse } from 'yaml';
import type { SandboxState } from './state';

export const DEMO_RUNBOOK = path.resolve(__dirname, '..', 'runbooks', 'examples', 'sandbox-demo.yaml');

/** The demo platform's accounts (match runbooks/examples/sandbox-demo.yaml). */
export const ACCOUNTS = {
  production: '111111111111',
  recovery: '222222222222',
  restoreTest: '333333333333',
  evidence: '444444444444',
} as const;
export const REGIONS = { primary: 'us-east-1', recovery: 'us-west-2' } as const;

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export interface AwsClientConfig {
  region: string;
  endpoint: string;
  credentials: AwsCredentials;
  maxAttempts: number;
}

interface AccountRole {
  role: string;
  externalId?: string;
}

let rolesCache: Map<string, AccountRole> | undefined;

/** Role (and external id) to assume per account id, read from the demo runbook. */
export function demoRoles(): Map<string, AccountRole> {
  if (rolesCache) return rolesCache;
  const roles = new Map<string, AccountRole>();
  try {
    const doc = parse(fs.readFileSync(DEMO_RUNBOOK, 'utf8')) as {
      accounts?: Record<string, { id?: string | number; role?: string; externalId?: string }>;
    };
    for (const acct of Object.values(doc.accounts ?? {})) {
      if (acct.id && acct.role) roles.set(String(acct.id), { role: acct.role, externalId: acct.externalId });
    }
  } catch {
    /* fall back to the conventional role name below */
  }
  rolesCache = roles;
  return roles;
}

export function roleFor(accountId: string): AccountRole {
  return demoRoles().get(accountId) ?? { role: `arn:aws:iam::${accountId}:role/drctl` };
}

/** Client config acting as the orchestrator's home account. */
export function homeConfig(state: SandboxState, region: string = REGIONS.primary, maxAttempts = 2): AwsClientConfig {
  return {
    region,
    endpoint: state.moto.endpoint,
    credentials: { accessKeyId: state.aws.accessKeyId, secretAccessKey: state.aws.secretAccessKey },
    maxAttempts,
  };
}

const credsCache = new Map<string, { at: number; creds: Promise<AwsCredentials> }>();
/** Refresh assumed credentials well before their one-hour lifetime ends. */
const CREDS_TTL_MS = 30 * 60 * 1000;

/**
 * Client config acting in `accountId` through STS AssumeRole from the home credentials (role and
 * external id from the demo runbook unless given). Credentials are cached per endpoint and role.
 */
export async function assumedConfig(
  state: SandboxState,
  accountId: string,
  region: string,
  opts: { roleArn?: string; externalId?: string; maxAttempts?: number; sessionName?: string } = {},
): Promise<AwsClientConfig> {
  const known = roleFor(accountId);
  const roleArn = opts.roleArn ?? known.role;
  const externalId = opts.externalId ?? (opts.roleArn ? undefined : known.externalId);
  const key = `${state.moto.endpoint}|${roleArn}|${externalId ?? ''}`;
  const cached = credsCache.get(key);
  let creds = cached && Date.now() - cached.at < CREDS_TTL_MS ? cached.creds : undefined;
  if (!creds) {
    creds = (async () => {
      const sts = new STSClient(homeConfig(state, REGIONS.primary, 3));
      try {
        const out = await sts.send(
          new AssumeRoleCommand({
            RoleArn: roleArn,
            RoleSessionName: opts.sessionName ?? 'drctl-sandbox',
            ExternalId: externalId,
            DurationSeconds: 3600,
          }),
        );
        const c = out.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${roleArn} returned no credentials`);
        return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
      } finally {
        sts.destroy();
      }
    })();
    credsCache.set(key, { at: Date.now(), creds });
    creds.catch(() => credsCache.delete(key));
  }
  return { region, endpoint: state.moto.endpoint, credentials: await creds, maxAttempts: opts.maxAttempts ?? 2 };
}

/**
 * A signed S3 REST call (path-style) against the sandbox's moto. The project has no S3 client
 * dependency yet; the seed only needs to create one bucket, so it signs the request itself (SigV4).
 */
export async function s3Request(
  config: AwsClientConfig,
  method: string,
  pathAndQuery: string,
  body = '',
  extraHeaders: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const url = new URL(pathAndQuery, config.endpoint);
  const now = new Date();
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const payloadHash = createHash('sha256').update(body).digest('hex');
  const headers: Record<string, string> = {
    host: url.host,
    'x-amz-content-sha256': payloadHash,
    'x-amz-date': amzDate,
    ...Object.fromEntries(Object.entries(extraHeaders).map(([k, v]) => [k.toLowerCase(), v])),
  };
  if (config.credentials.sessionToken) headers['x-amz-security-token'] = config.credentials.sessionToken;
  const names = Object.keys(headers).sort();
  const canonicalQuery = [...url.searchParams.entries()]
    .map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalRequest = [
    method,
    url.pathname.split('/').map((s) => encodeRfc3986(decodeURIComponent(s))).join('/'),
    canonicalQuery,
    names.map((n) => `${n}:${headers[n].trim()}\n`).join(''),
    names.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${day}/${config.region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${config.credentials.secretAccessKey}`).update(day).digest();
  for (const part of [config.region, 's3', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  headers.authorization =
    `AWS4-HMAC-SHA256 Credential=${config.credentials.accessKeyId}/${scope}, ` +
    `SignedHeaders=${names.join(';')}, Signature=${signature}`;
  delete headers.host;
  const res = await fetch(url, { method, headers, body: body || undefined, signal: AbortSignal.timeout(10000) });
  return { status: res.status, text: await res.text() };
}

function encodeRfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
