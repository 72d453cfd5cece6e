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
      return { status: 2, message: `${parseArgsMessage(message)} (see --help)` };
    case 'CONFIG':
    case 'FILE':
    case 'POLICY_LOAD':
    case 'TARGET':
    case 'SAMPLE_INVALID':
      return { status: 2, message };
    case 'NIX_COMMAND':
      return { status: 3, message };
    case 'JOURNAL':
      return { status: 4, message };
    default:
      return { status: 70, message: `internal error: ${e instanceof Error ? (e.stack ?? message) : message}` };
  }
}

/**
 * node:util parseArgs's messages, as one line of ours: its own run over several lines,
 * and the unknown-option one ends in an unclosed quote ('-- "--jsn"').
 */
function parseArgsMessage(m: string): string {
  const unknown = /^Unknown option '(.*?)'(?=\.|$)/.exec(m);
  if (unknown) return `unknown option '${unknown[1]}'`;
  const option = /^Option '(-[^' ]*)(?: <value>)?' (.*?)\.?(?:\n|$)/.exec(m);
  if (option) {
    const [, name, what] = option;
    if (what === 'argument missing') return `option '${name}' wants a value`;
    if (what === 'argument is ambiguous') return `option '${name}' wants a value (for one that starts with '-', write ${name}=-VALUE)`;
    if (what === 'does not take an argument') return `option '${name}' takes no value`;
  }
  const positional = /^Unexpected argument '(.*?)'/.exec(m);
  if (positional) return `unexpected argument '${positional[1]}' (this command takes none)`;
  return m.replace(/\s*\n\s*/g, ' ');
}
