/**
 * Where the CLI sends work: a real Temporal cluster from the environment (the same variables as the
 * worker), or, when TEMPORAL_ADDRESS is unset and a sandbox is running, the sandbox.
 */
import { Client, Connection } from '@temporalio/client';
import { hostname, userInfo } from 'node:os';
import { readState, resolveDir } from '../sandbox/sandbox';
import type { SandboxState } from '../sandbox/state';
import { configFromEnv, type WorkerConfig } from '../worker/config';
import { CliError } from './exit';

export interface Target {
  config: WorkerConfig;
  sandbox?: SandboxState;
}

export function resolveTarget(env: NodeJS.ProcessEnv = process.env): Target {
  const config = configFromEnv(env);
  if (env.TEMPORAL_ADDRESS) return { config };
  const sandbox = readState(env.DRCTL_SANDBOX_DIR);
  if (!sandbox) {
    throw new CliError(`no Temporal to talk to: set TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE, TLS) or start the sandbox with \`drctl sandbox up\` (looked in ${resolveDir(env.DRCTL_SANDBOX_DIR)})`);
  }
  return { sandbox, config: { ...config, address: sandbox.temporal.address, namespace: sandbox.temporal.namespace, awsEndpoint: sandbox.moto.endpoint } };
}

/** The operator's identity, recorded as the initiator of runs and on approvals. */
export function operatorIdentity(explicit?: string): string {
  if (explicit) return explicit;
  if (process.env.DRCTL_OPERATOR) return process.env.DRCTL_OPERATOR;
  return `${userInfo().username}@${hostname()}`;
}

export async function connectClient(target: Target, identity: string): Promise<{ client: Client; close(): Promise<void> }> {
  const { config } = target;
  const connection = await Connection.connect({ address: config.address, tls: config.tls, apiKey: config.apiKey }).catch((err: Error) => {
    throw new CliError(`cannot reach Temporal at ${config.address}: ${err.message}`, 1);
  });
  return { client: new Client({ connection, namespace: config.namespace, identity }), close: () => connection.close() };
}
