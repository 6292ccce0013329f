import { loadRunbookFile, RunbookInvalidError, type LoadedRunbook } from '../runbooks';
import { CliError } from './exit';

/** Loads a runbook or ends the command with exit code 2 and every problem listed. */
export function loadOrExit(file: string): LoadedRunbook {
  try {
    return loadRunbookFile(file);
  } catch (err) {
    if (err instanceof RunbookInvalidError) throw new CliError(`${err.message}\n${file}: ${err.problems.length} problem(s)`);
    throw err;
  }
}
