import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compilePlan, MODES, parseRunbook } from '../../runbooks';
import { runbookJsonSchema } from '../../runbooks/json-schema';

const EXAMPLES = join(__dirname, '..', '..', 'runbooks', 'examples');
const examples = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));

describe('example runbooks', () => {
  it('there are at least two, one of them the sandbox demo', () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
    expect(examples).toContain('sandbox-demo.yaml');
  });

  it.each(examples)('%s is valid and compiles in every mode', (name) => {
    const result = parseRunbook(readFileSync(join(EXAMPLES, name), 'utf8'), name);
    if (!result.ok) throw new Error(result.problems.map((p) => `${p.line}:${p.column} ${p.path} ${p.message}`).join('\n'));
    for (const mode of MODES) expect(compilePlan(result.loaded.runbook, mode).steps.length).toBeGreaterThan(2);
  });
});

describe('runbook.schema.json', () => {
  it('is the one generated from the zod schema (run `npm run schema` after changing it)', () => {
    const committed = readFileSync(join(__dirname, '..', '..', 'runbooks', 'runbook.schema.json'), 'utf8');
    expect(committed).toBe(runbookJsonSchema());
  });

  it('rejects unknown keys, so editors flag typos too', () => {
    const schema = JSON.parse(runbookJsonSchema());
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['apiVersion', 'accounts', 'tiers']));
  });
});
