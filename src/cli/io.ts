/** What a command may touch of the process; only main.ts (the bin) builds the real one, tests build their own. */
export interface CliIO {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly stderrIsTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly pid: number;
  /** Undefined when the file does not exist or cannot be read. */
  readonly readFile: (path: string) => string | undefined;
  readonly isFile: (path: string) => boolean;
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
  /** Standard input, line by line, for commands that read it (`log submit --stdin`). */
  readonly stdinLines?: () => AsyncIterable<string>;
}

/** A usage mistake: exit status 2, with a hint to --help. */
export class UsageError extends Error {
  readonly code = 'USAGE';
}

/** A file the command was told to write or read cannot be: exit status 2, a message saying what to do. */
export class FileError extends Error {
  readonly code = 'FILE';
}
