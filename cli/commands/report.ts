/**
 * `drctl report RUN`: the report of a finished run, from its result in Temporal or from a result
 * record file (`--from`). Exit codes: 0 the run passed, 1 it failed or breached an objective (the
 * report is still written) or it has no result (still running, failed, terminated), 2 bad input.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { buildReport, type ReportModel, type RunRecord } from '../../reports/model';
import { renderHtml } from '../../reports/html';
import { renderJunit } from '../../reports/junit';
import { renderMarkdown } from '../../reports/markdown';
import { renderTimelineSvg } from '../../reports/timeline-svg';
import { connectClient, operatorIdentity, resolveTarget } from '../connect';
import { CliError, EXIT } from '../exit';

const REPORT_FORMATS = ['md', 'html', 'json', 'junit'] as const;
type Format = (typeof REPORT_FORMATS)[number];
const RECORD_KINDS = ['restore-verification', 'restore-test', 'drill', 'incident', 'failback'];

function asRecord(value: unknown, where: string): RunRecord {
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (typeof kind !== 'string' || !RECORD_KINDS.includes(kind)) {
    throw new CliError(`${where} is not a drctl run record (kind ${JSON.stringify(kind)}; expected one of ${RECORD_KINDS.join(', ')})`);
  }
  return value as RunRecord;
}

function readRecordFile(file: string): RunRecord {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return asRecord(JSON.parse(text), file);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`${file} is not JSON: ${(err as Error).message}`);
  }
}

/** The result record of a finished run; a run still going or ended without a result exits 1. */
async function fetchRecord(workflowId: string): Promise<RunRecord> {
  const { client, close } = await connectClient(resolveTarget(), operatorIdentity());
  try {
    const handle = client.workflow.getHandle(workflowId);
    const desc = await handle.describe().catch((err: Error) => {
      throw new CliError(`no run ${workflowId}: ${err.message}`, EXIT.failed);
    });
    const state = desc.status.name;
    if (state === 'RUNNING') throw new CliError(`run ${workflowId} is not finished yet: no report until it ends (see \`drctl status ${workflowId}\`)`, EXIT.failed);
    if (state !== 'COMPLETED') throw new CliError(`run ${workflowId} ended ${state} without a result to report`, EXIT.failed);
    return asRecord(await handle.result(), `the result of ${workflowId}`);
  } finally {
    await close();
  }
}

function render(model: ReportModel, format: Format, out?: string): string {
  switch (format) {
    case 'html':
      return renderHtml(model);
    case 'junit':
      return renderJunit(model);
    case 'json':
      return `${JSON.stringify(model, null, 2)}\n`;
    case 'md': {
      if (!out) return renderMarkdown(model);
      // A file report links its timeline as an SVG beside it, which every Markdown viewer shows.
      const svg = `${out.replace(/\.md$/i, '')}.timeline.svg`;
      fs.writeFileSync(svg, renderTimelineSvg(model));
      return renderMarkdown(model, { timeline: { href: path.basename(svg) } });
    }
  }
}

/** Adds `drctl report RUN --format md|html|json|junit [--out FILE] [--from FILE]` to the program. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('report of a finished run (restore test, drill, incident failover, failback): Markdown, self-contained HTML, JSON or JUnit XML')
    .argument('[run]', 'workflow id of the run')
    .option('--format <format>', `one of ${REPORT_FORMATS.join(', ')}`, 'md')
    .option('--out <file>', 'write the report to this file instead of stdout (Markdown also writes <name>.timeline.svg beside it)')
    .option('--from <file>', 'read the run\'s result record from this JSON file instead of Temporal')
    .action(async (run: string | undefined, opts: { format: string; out?: string; from?: string }) => {
      if (!(REPORT_FORMATS as readonly string[]).includes(opts.format)) throw new CliError(`unknown format "${opts.format}": use one of ${REPORT_FORMATS.join(', ')}`);
      if (!run && !opts.from) throw new CliError('give the run\'s workflow id, or --from FILE with its result record');
      const record = opts.from ? readRecordFile(opts.from) : await fetchRecord(run!);
      const model = buildReport(record);
      if (opts.out) fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
      const text = render(model, opts.format as Format, opts.out);
      if (opts.out) {
        fs.writeFileSync(opts.out, text);
        process.stderr.write(`wrote ${opts.out} (${model.title}, ${model.status})\n`);
      } else {
        process.stdout.write(text);
      }
      process.exitCode = model.verdict.passed ? EXIT.ok : EXIT.failed;
    });
}
