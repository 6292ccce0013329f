import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JSON_SCHEMA_PATH, runbookJsonSchema } from '../../runbooks/json-schema';

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('print the runbook JSON Schema (generated from the zod schema)')
    .option('--write', `write it to ${JSON_SCHEMA_PATH}`)
    .action((opts: { write?: boolean }) => {
      if (opts.write) writeFileSync(join(__dirname, '..', '..', JSON_SCHEMA_PATH), runbookJsonSchema());
      else process.stdout.write(runbookJsonSchema());
    });
}
