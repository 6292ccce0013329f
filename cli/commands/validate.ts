import type { Command } from 'commander';
import { formatProblem, parseRunbook } from '../../runbooks';
import { readFileSync } from 'node:fs';
import { EXIT } from '../exit';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check runbook files against the schema and the semantic rules; prints every problem with file:line:column')
    .argument('<files...>', 'runbook YAML files')
    .option('--json', 'print problems as JSON')
    .action((files: string[], opts: { json?: boolean }) => {
      const results = files.map((file) => {
        let source: string;
        try {
          source = readFileSync(file, 'utf8');
        } catch (err) {
          return { file, problems: [{ file, line: 1, column: 1, path: '', message: `cannot read file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }] };
        }
        const r = parseRunbook(source, file);
        return { file, problems: r.ok ? [] : r.problems };
      });
      if (opts.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      else {
        for (const r of results) {
          if (r.problems.length === 0) process.stdout.write(`${r.file}: ok\n`);
          else process.stderr.write(`${r.problems.map(formatProblem).join('\n')}\n${r.file}: ${r.problems.length} problem(s)\n`);
        }
      }
      process.exitCode = results.some((r) => r.problems.length > 0) ? EXIT.badInput : EXIT.ok;
    });
}
