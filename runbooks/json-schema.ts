/** The runbook's JSON Schema, generated from the zod schema so editors can complete runbook files. */
import { z } from 'zod';
import { RunbookSchema } from './schema';

export const JSON_SCHEMA_PATH = 'runbooks/runbook.schema.json';

export function runbookJsonSchema(): string {
  const schema = z.toJSONSchema(RunbookSchema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, $id: 'urn:drctl:runbook:v1', title: 'drctl runbook' }, null, 2)}\n`;
}
