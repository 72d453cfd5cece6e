/** `trustix-vote log`: a Trustix log of this machine's own builds (init, serve, submit, token). */
import type { CliIO } from './io.ts';
import { UsageError } from './io.ts';

export const LOG_HELP = `Usage: trustix-vote log COMMAND --state DIR [OPTIONS]

Keep a Trustix log of the paths this machine built, and serve it to Trustix clients
(other machines' trustix-vote with kind = trustix, or Trustix itself).

Commands
  init --state DIR                 create the log: its ed25519 key pair and database;
                                   prints the public key and the log ID
  serve --state DIR                serve the log over Trustix's Connect API (JSON and
                                   binary protobuf), on 127.0.0.1:37516 by default
  submit --state DIR STOREPATH...  append locally built paths and sign the new head;
                                   safe while serve runs on the same DIR
  token NAME --secret FILE         make a write token, for LogRPC.Submit over HTTP
  verify --state DIR               check every head, root and proof against the stored
                                   data (after a crash, say)

Run 'trustix-vote log COMMAND --help' for a command's options and exit status.
`;

type Sub = (argv: readonly string[], io: CliIO) => Promise<number>;

const subcommands: Record<string, () => Promise<Sub>> = {
  init: () => import('./log-init.ts').then((m) => m.runLogInit),
  serve: () => import('./log-serve.ts').then((m) => m.runLogServe),
  submit: () => import('./log-submit.ts').then((m) => m.runLogSubmit),
  token: () => import('./log-token.ts').then((m) => m.runLogToken),
  verify: () => import('./log-verify.ts').then((m) => m.runLogVerify),
};

export async function runLog(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help') {
    io.stdout(LOG_HELP);
    return name === undefined ? 2 : 0;
  }
  const load = subcommands[name];
  if (load === undefined) throw new UsageError(`unknown log command "${name}" (log commands: ${Object.keys(subcommands).join(', ')})`);
  return (await load())(rest, io);
}
