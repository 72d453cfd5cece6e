/** `trustix-vote keygen`: a signing key pair for serve, in Nix's own key format. */
import { randomBytes } from 'node:crypto';
import { link, lstat, mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateSecretKey } from '../nixfmt/index.ts';
import type { CliIO } from './io.ts';
import { FileError, UsageError } from './io.ts';

export const KEYGEN_HELP = `Usage: trustix-vote keygen NAME --secret FILE --public FILE

Make an ed25519 key pair in the format of nix-store --generate-binary-cache-key:
FILE contents are NAME:BASE64. NAME may hold any characters but ":" and white
space; by convention it is HOST-N (e.g. myhost-trustix-1).

Neither file is ever overwritten: when either exists, nothing is written. Missing
directories are created with mode 0700; the secret file gets mode 0600, the public
one 0644, and each appears whole or not at all. Put the secret in [serve]
signing-key and the public key in Nix's trusted-public-keys.

Exit status: 0 on success, 2 on usage errors, when a file exists already or
cannot be written.
`;

export async function runKeygen(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { secret: { type: 'string' }, public: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    io.stdout(KEYGEN_HELP);
    return 0;
  }
  const [name] = positionals;
  if (name === undefined || positionals.length > 1) throw new UsageError('keygen needs exactly one NAME (e.g. myhost-1)');
  if (values.secret === undefined || values.public === undefined) throw new UsageError('keygen needs --secret FILE and --public FILE');
  let pair: { secret: string; public: string };
  try {
    pair = generateSecretKey(name);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const secret = { option: '--secret', path: resolve(io.cwd, values.secret), text: `${pair.secret}\n`, mode: 0o600 };
  const pub = { option: '--public', path: resolve(io.cwd, values.public), text: `${pair.public}\n`, mode: 0o644 };
  if (secret.path === pub.path) throw new UsageError('--secret and --public name the same file');
  await writeKeyFiles([secret, pub]);
  io.stdout(`${pair.public}\n`);
  return 0;
}

interface KeyFile {
  readonly option: string;
  readonly path: string;
  readonly text: string;
  readonly mode: number;
}

/**
 * Both files or neither: every target is checked before anything is written, each is
 * written to a temporary file beside it and then linked into place (a link, unlike a
 * rename, never replaces a file that appeared meanwhile), and a failure removes what
 * this run put in place.
 */
export async function writeKeyFiles(files: readonly KeyFile[]): Promise<void> {
  for (const f of files) {
    const there = await exists(f.path).catch((e: unknown) => { throw fileError(e, f, f.path); });
    if (there) throw existsError(f);
  }
  const temps: string[] = [];
  const placed: string[] = [];
  try {
    for (const f of files) {
      await mkdir(dirname(f.path), { recursive: true, mode: 0o700 }).catch((e: unknown) => { throw fileError(e, f, dirname(f.path)); });
      const tmp = join(dirname(f.path), `.${basename(f.path)}.${randomBytes(6).toString('hex')}.tmp`);
      temps.push(tmp);
      await writeSynced(tmp, f.text, f.mode).catch((e: unknown) => { throw fileError(e, f, tmp); });
    }
    for (const [i, f] of files.entries()) {
      await place(temps[i] ?? '', f.path).catch((e: unknown) => { throw fileError(e, f, f.path); });
      placed.push(f.path);
    }
  } catch (e) {
    await Promise.all(placed.map((p) => unlink(p).catch(() => undefined)));
    throw e;
  } finally {
    await Promise.all(temps.map((t) => unlink(t).catch(() => undefined)));
  }
}

/** Whether anything is at path; other trouble than its absence (say, a file as a directory) throws. */
async function exists(path: string): Promise<boolean> {
  return lstat(path).then(() => true, (e: unknown) => {
    if ((e as { code?: unknown }).code === 'ENOENT') return false;
    throw e;
  });
}

async function writeSynced(path: string, text: string, mode: number): Promise<void> {
  const fh = await open(path, 'wx', mode);
  try {
    await fh.chmod(mode); // the umask may have narrowed or, for 0644, not matter; be exact
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Links tmp to path, failing if path exists; renames where the file system has no links. */
async function place(tmp: string, path: string): Promise<void> {
  try {
    await link(tmp, path);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw e;
    if (await exists(path)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
    await rename(tmp, path);
  }
}

function existsError(f: KeyFile): FileError {
  return new FileError(`${f.path} already exists; remove it or choose another ${f.option} path (nothing was written)`);
}

function fileError(e: unknown, f: KeyFile, path: string): FileError {
  const code = (e as { code?: unknown }).code;
  const why: Record<string, string> = {
    EEXIST: 'appeared while writing',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'read-only file system',
    ENOTDIR: 'a part of the path is not a directory',
    ENOSPC: 'no space left on the device',
    EISDIR: 'is a directory',
  };
  if (code === 'EEXIST' && path === f.path) return existsError(f);
  const reason = (typeof code === 'string' ? why[code] : undefined) ?? (e instanceof Error ? e.message : String(e));
  return new FileError(`cannot write ${path} for ${f.option}: ${reason} (nothing was written)`, { cause: e });
}
