/**
 * Errors the user can act on. The CLI prints `message` as one sentence (no stack unless --debug);
 * the language server turns them into diagnostics or job failures. Subclasses name the file they
 * concern so every message can say which file is wrong.
 */
export class NnsegError extends Error {
  constructor(message: string, readonly file?: string, readonly code = 'ENNSEG') {
    super(message);
    this.name = new.target.name;
  }
}

/** Wrong command-line usage: exit code 2. */
export class UsageError extends NnsegError {
  constructor(message: string) {
    super(message, undefined, 'EUSAGE');
  }
}

/** A feature whose engine stage has not landed yet. */
export class NotAvailableError extends NnsegError {
  constructor(what: string) {
    super(`${what} is not available yet in this version of nnSeg.`, undefined, 'ENOTAVAILABLE');
  }
}

/** The job was cancelled by the user; not a failure. */
export class CancelledError extends NnsegError {
  constructor() {
    super('Cancelled.', undefined, 'ECANCELLED');
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
