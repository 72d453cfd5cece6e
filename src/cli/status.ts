/** The one place errors become exit statuses and one-line messages. */
export function exitStatusOf(e: unknown): { status: number; message: string } {
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : String(e);
  switch (code) {
    case 'USAGE':
      return { status: 2, message: `${message} (see --help)` };
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return { status: 2, message: `${message} (see --help)` };
    case 'CONFIG':
    case 'FILE':
    case 'POLICY_LOAD':
    case 'TARGET':
    case 'SAMPLE_INVALID':
      return { status: 2, message };
    case 'NIX_COMMAND':
      return { status: 3, message };
    default:
      return { status: 70, message: `internal error: ${e instanceof Error ? (e.stack ?? message) : message}` };
  }
}
