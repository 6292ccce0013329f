import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import type { RestoreTestProgress } from '../../workflows/restore-test';
import type { RestoreVerificationProgress } from '../../workflows/restore-verification';
import type { FailoverProgress } from '../../workflows/failover-types';
import { connectClient, operatorIdentity, resolveTarget } from '../connect';
import { CliError, EXIT } from '../exit';
import { table } from '../render';

interface ResourceView {
  resource: string;
  workflowId: string;
  status: string;
  steps: RestoreTestProgress['steps'];
}

/** Live progress of a run, from workflow queries (works for a running or a finished run). */
export async function progressOf(client: Client, workflowId: string): Promise<{ status: string; type: string; resources: ResourceView[] }> {
  const handle = client.workflow.getHandle(workflowId);
  const desc = await handle.describe().catch((err: Error) => {
    throw new CliError(`no run ${workflowId}: ${err.message}`);
  });
  const queryChild = async (id: string, resource: string, fallback: string): Promise<ResourceView> => {
    try {
      const p = await client.workflow.getHandle(id).query<RestoreTestProgress>('progress');
      return { resource, workflowId: id, status: p.status, steps: p.steps };
    } catch {
      return { resource, workflowId: id, status: fallback, steps: [] };
    }
  };
  if (desc.type === 'restoreVerification') {
    const p = await handle.query<RestoreVerificationProgress>('progress');
    const resources = await Promise.all(p.children.map((c) => (c.status === 'waiting' ? Promise.resolve({ resource: c.resource, workflowId: c.workflowId, status: 'waiting', steps: [] }) : queryChild(c.workflowId, c.resource, c.status))));
    return { status: desc.status.name, type: desc.type, resources };
  }
  if (desc.type === 'restoreTest') {
    const p = await handle.query<RestoreTestProgress>('progress');
    return { status: desc.status.name, type: desc.type, resources: [{ resource: p.resource, workflowId, status: p.status, steps: p.steps }] };
  }
  if (desc.type === 'failover' || desc.type === 'failback') {
    const p = await handle.query<FailoverProgress>('progress');
    const groups = new Map<string, ResourceView>();
    for (const st of p.steps) {
      const name = st.tier ?? 'run';
      if (!groups.has(name)) groups.set(name, { resource: name, workflowId, status: p.status, steps: [] });
      groups.get(name)!.steps.push({ ...st, status: st.status as RestoreTestProgress['steps'][number]['status'] });
    }
    return { status: `${desc.status.name}${desc.status.name === 'RUNNING' ? ` (${p.status}${p.waitingGates.length ? `: ${p.waitingGates.map((g) => `${g.gate} ${g.have}/${g.needed}`).join(', ')}` : ''})` : ''}`, type: desc.type, resources: [...groups.values()] };
  }
  return { status: desc.status.name, type: desc.type, resources: [] };
}

/** Prints a line each time a step of the run changes state, until the returned stop() is called. */
export function followProgress(client: Client, workflowId: string, print: (line: string) => void, intervalMs = 1000): () => Promise<void> {
  const seen = new Map<string, string>();
  let stopped = false;
  const poll = async () => {
    try {
      const p = await progressOf(client, workflowId);
      for (const r of p.resources) {
        for (const s of r.steps) {
          const key = `${r.resource}/${s.id}`;
          const state = `${s.status}${['failed', 'skipped', 'blocked'].includes(s.status) ? `: ${s.detail ?? ''}` : ''}`;
          if (seen.get(key) !== state && s.status !== 'pending') {
            seen.set(key, state);
            print(`  ${r.resource.padEnd(16)} ${s.id.padEnd(22)} ${state} (${s.account} ${s.region})`);
          }
        }
      }
    } catch {
      // A query can fail while a workflow task is in flight; the next poll catches up.
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await poll();
      await new Promise((r) => setTimeout(r, intervalMs));
    }
    await poll();
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show a run\'s progress per resource and step (from a workflow query)')
    .argument('<run>', 'workflow id of the run')
    .option('--json', 'print as JSON')
    .action(async (run: string, opts: { json?: boolean }) => {
      const { client, close } = await connectClient(resolveTarget(), operatorIdentity());
      try {
        const p = await progressOf(client, run);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(p, null, 2)}\n`);
          return;
        }
        const rows = [['resource', 'step', 'status', 'account', 'region', 'started', 'ended', 'detail']];
        for (const r of p.resources) {
          if (r.steps.length === 0) rows.push([r.resource, '-', r.status, '', '', '', '', '']);
          for (const s of r.steps) rows.push([r.resource, s.id, s.status, s.accountId, s.region, s.startedAt?.slice(11, 19) ?? '', s.endedAt?.slice(11, 19) ?? '', (s.detail ?? '').slice(0, 90)]);
        }
        process.stdout.write(`${run} (${p.type}): ${p.status}\n${table(rows).join('\n')}\n`);
        process.exitCode = p.status === 'FAILED' || p.status === 'TERMINATED' || p.status === 'TIMED_OUT' ? EXIT.failed : EXIT.ok;
      } finally {
        await close();
      }
    });
}
