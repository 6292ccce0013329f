/** A problem found in a runbook file, with where it is, so an editor or a person can jump to it. */
export interface RunbookProblem {
  file: string;
  line: number;
  column: number;
  /** Field path such as `tiers[1].objectives.rto` (empty for the whole document). */
  path: string;
  message: string;
}

export type Path = ReadonlyArray<string | number>;

/** `tiers[1].resources[0].id` from ['tiers', 1, 'resources', 0, 'id']. */
export function formatPath(path: Path): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${part}` : part), '');
}

export function formatProblem(p: RunbookProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

/** Thrown by `loadRunbookFile` when a runbook has problems; carries all of them, not just the first. */
export class RunbookInvalidError extends Error {
  constructor(readonly problems: RunbookProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'RunbookInvalidError';
  }
}
