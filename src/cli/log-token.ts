/** `trustix-vote log token`: a write token for LogRPC.Submit over HTTP, in Trustix's token format. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { newLogKeyFiles } from '../logserver/state.ts';
import type { CliIO } from './io.ts';
import { UsageError } from './io.ts';
import { writeKeyFiles } from './keygen.ts';

export const LOG_TOKEN_HELP = `Usage: trustix-vote log token NAME --secret FILE [--public FILE]

Make a Trustix write token: FILE gets NAME:BASE64 (the 64-byte ed25519 key, mode
0600), the format Trustix clients read from $TRUSTIX_TOKEN; the public token
NAME:BASE64 (32 bytes) is printed and, with --public, written too.

A log serve started with --write-tokens FILE (public or secret tokens, one per line)
accepts LogRPC.Submit and Flush from callers whose Trustix-Token header is signed
by one of them, for example trustix-nix's post-build hook with TRUSTIX_TOKEN=FILE.
The header is a fixed credential, the same on every call: send it only over
loopback or TLS.

Neither file is ever overwritten. Exit status: 0 on success, 2 on usage errors or
when a file exists already or cannot be written.
`;

export async function runLogToken(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { secret: { type: 'string' }, public: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    io.stdout(LOG_TOKEN_HELP);
    return 0;
  }
  const [name] = positionals;
  if (name === undefined || positionals.length > 1) throw new UsageError('log token needs exactly one NAME (e.g. builder-1)');
  if (!/^[^:\s]+$/.test(name)) throw new UsageError(`bad token name "${name}": it may hold any characters but ":" and white space`);
  if (values.secret === undefined) throw new UsageError('log token needs --secret FILE');
  const key = newLogKeyFiles();
  const publicToken = `${name}:${key.public.trim()}`;
  const files = [{ option: '--secret', path: resolve(io.cwd, values.secret), text: `${name}:${key.secret.trim()}\n`, mode: 0o600 }];
  if (values.public !== undefined) files.push({ option: '--public', path: resolve(io.cwd, values.public), text: `${publicToken}\n`, mode: 0o644 });
  if (files[1] !== undefined && files[1].path === files[0]?.path) throw new UsageError('--secret and --public name the same file');
  await writeKeyFiles(files);
  io.stdout(`${publicToken}\n`);
  return 0;
}
