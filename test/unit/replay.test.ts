/**
 * Replays recorded histories (test/fixtures/histories, from scripts/record-histories.ts) against the
 * current workflow code: a change that would break running workflows fails here, not in production.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../harness/temporal';

const DIR = join(__dirname, '..', 'fixtures', 'histories');

describe('workflow replay', () => {
  it.each(readdirSync(DIR).filter((f) => f.endsWith('.json')))('%s replays deterministically', async (file) => {
    const history = JSON.parse(readFileSync(join(DIR, file), 'utf8'));
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history);
  }, 60_000);
});
