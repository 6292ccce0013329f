/** Exit codes scripts can rely on. */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

/** An error that ends the command with a given exit code and a message for the operator. */
export class CliError extends Error {
  constructor(message: string, readonly code: number = EXIT.badInput) {
    super(message);
    this.name = 'CliError';
  }
}
