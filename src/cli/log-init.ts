/** `trustix-vote log init`: a new log's key pair and database, in its state directory. */
import { lstat, mkdir, unlink } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LogStateError } from '../logserver/errors.ts';
import { writeFirstHead } from '../logserver/log.ts';
import { newLogKeyFiles, parseLogSecret, statePaths } from '../logserver/state.ts';
import { createLogDb } from '../logserver/store.ts';
import { deriveLogId, resolveProtocol } from '../trustix/index.ts';
import type { Protocol } from '../trustix/index.ts';
import type { CliIO } from './io.ts';
import { UsageError } from './io.ts';
import { writeKeyFiles } from './keygen.ts';

export const LOG_INIT_HELP = `Usage: trustix-vote log init --state DIR [--protocol nix|test]

Create a Trustix log in DIR (made with mode 0700 when missing):

  DIR/log.key   the log's ed25519 secret key, mode 0600 (Trustix's own key file format)
  DIR/log.pub   its public key, what readers configure
  DIR/log.db    the SQLite database with the empty log's first signed head

and print the public key and the log ID that readers configure, e.g.

  public-key: Pd7DLJGPpF3zqbiZiXhieBg/m2jCqbi+UqRDTXRAt/g=
  log-id: 68d40e3cac269041413f3d96f171d8fc53ae4079cc2f80e63b27ecb5e33549e1
  protocol: nix

Nothing is overwritten: when DIR already holds a log (or a key), nothing is written.

Options
  --state DIR      the log's state directory
  --protocol NAME  nix (default: store paths and their path-info) or test

Exit status: 0 on success, 2 on usage errors or when DIR cannot be written.
`;

export async function runLogInit(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { state: { type: 'string' }, protocol: { type: 'string', default: 'nix' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    io.stdout(LOG_INIT_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`log init takes no arguments, got "${positionals[0]}"`);
  if (values.state === undefined) throw new UsageError('log init needs --state DIR');
  let protocol: Protocol;
  try {
    protocol = resolveProtocol(values.protocol);
  } catch {
    throw new UsageError(`--protocol wants nix or test, got "${values.protocol}"`);
  }
  const paths = statePaths(resolve(io.cwd, values.state));
  await mkdir(paths.dir, { recursive: true, mode: 0o700 }).catch((e: unknown) => {
    throw new LogStateError(`cannot create ${paths.dir}: ${e instanceof Error ? e.message : String(e)}`);
  });
  const files = newLogKeyFiles();
  const secret = parseLogSecret(files.secret, 'the new key');
  if (await exists(paths.db)) throw new LogStateError(`${paths.db} already exists: ${paths.dir} holds a log (nothing was written)`);
  await writeKeyFiles([
    { option: '--state', path: paths.secret, text: files.secret, mode: 0o600 },
    { option: '--state', path: paths.public, text: files.public, mode: 0o644 },
  ]);
  try {
    createLogDb(paths.db, protocol, secret.key, (db) => writeFirstHead(db, secret.sign));
  } catch (e) {
    await Promise.all([unlink(paths.secret), unlink(paths.public)].map((p) => p.catch(() => undefined)));
    throw e instanceof LogStateError ? e : new LogStateError(`cannot create ${paths.db}: ${e instanceof Error ? e.message : String(e)} (nothing was kept)`, { cause: e });
  }
  io.stdout(`public-key: ${secret.key.base64}\nlog-id: ${deriveLogId(protocol, secret.key)}\nprotocol: ${protocol.name}\n`);
  return 0;
}

function exists(path: string): Promise<boolean> {
  return lstat(path).then(() => true, () => false);
}
