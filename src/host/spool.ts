/**
 * The build queue hooks/post-build-hook writes: `<[state] dir>/spool/`, one file per
 * local build, written as `.tmp-<pid>` and renamed to `<drv hash>-<pid>-<n>.build`:
 *
 *   trustix-vote-spool 1
 *   drv /nix/store/…-hello.drv
 *   out /nix/store/…-hello
 *   end
 *
 * (no `out` line when Nix left OUT_PATHS empty, as Nix 2.8.0 does: the drain reads
 * the derivation's outputs from the store.)
 *
 * A file is removed only after its builds are committed to the journal, so a drain
 * killed at any point loses nothing (recording a build twice is a no-op). A file that
 * does not parse is moved to `spool/corrupt/` with a `.why` note beside it, said once,
 * never retried. A `.tmp-*` older than an hour is a hook that was killed mid-write.
 */
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseStorePath, type StorePath } from '../nixfmt/index.ts';

export const SPOOL_MAGIC = 'trustix-vote-spool 1';
const MAX_FILE_BYTES = 1 << 20;
const STALE_TMP_MS = 3_600_000;

export interface SpoolEntry {
  readonly name: string;
  /** When the hook queued it: the file's modification time, ms since the epoch. */
  readonly queued: number;
  readonly drv?: StorePath;
  readonly outs: readonly StorePath[];
}

export interface SpoolRead {
  readonly entries: readonly SpoolEntry[];
  readonly corrupt: readonly { readonly name: string; readonly reason: string }[];
  /** Entries left for the next read (more than `max`). */
  readonly more: number;
}

export const spoolDirOf = (stateDir: string) => join(stateDir, 'spool');

/** Creates the queue directory, so the hook finds it with the drainer's owner and mode. */
export async function ensureSpool(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
}

export async function readSpool(dir: string, now: number, max = 5000): Promise<SpoolRead> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return { entries: [], corrupt: [], more: 0 };
    throw e;
  }
  const entries: SpoolEntry[] = [];
  const corrupt: { name: string; reason: string }[] = [];
  const files: { name: string; mtime: number }[] = [];
  for (const name of names) {
    if (name === 'corrupt') continue;
    const st = await stat(join(dir, name)).catch(() => undefined);
    if (st === undefined) continue;
    if (name.startsWith('.')) {
      if (name.startsWith('.tmp-') && now - st.mtimeMs > STALE_TMP_MS) corrupt.push({ name, reason: 'left half-written by a post-build hook that was stopped' });
      continue;
    }
    if (!st.isFile() || !name.endsWith('.build')) corrupt.push({ name, reason: 'not a queued build (*.build file)' });
    else if (st.size > MAX_FILE_BYTES) corrupt.push({ name, reason: `${st.size} bytes, more than a build's queue file holds` });
    else files.push({ name, mtime: st.mtimeMs });
  }
  files.sort((a, b) => a.mtime - b.mtime || (a.name < b.name ? -1 : 1));
  for (const f of files.slice(0, max)) {
    const text = await readFile(join(dir, f.name), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const parsed = parseSpoolFile(text);
    if (typeof parsed === 'string') corrupt.push({ name: f.name, reason: parsed });
    else entries.push({ name: f.name, queued: Math.round(f.mtime), ...parsed });
  }
  return { entries, corrupt, more: Math.max(0, files.length - max) };
}

/** The queued build, or why the text is not one. */
export function parseSpoolFile(text: string): { drv?: StorePath; outs: StorePath[] } | string {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines[0] !== SPOOL_MAGIC) return `does not start with "${SPOOL_MAGIC}"`;
  if (lines.at(-1) !== 'end') return 'does not end with "end" (cut short?)';
  let drv: StorePath | undefined;
  const outs: StorePath[] = [];
  for (const [i, line] of lines.slice(1, -1).entries()) {
    const sp = line.indexOf(' ');
    const [field, value] = [line.slice(0, sp), line.slice(sp + 1)];
    let p: StorePath;
    try {
      p = parseStorePath(value);
    } catch (e) {
      return `line ${i + 2}: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (field === 'drv' && drv === undefined) drv = p;
    else if (field === 'out') outs.push(p);
    else return `line ${i + 2}: unexpected "${line.slice(0, 60)}"`;
  }
  // Nix 2.8.0 runs the hook with OUT_PATHS empty: the .drv then names the outputs.
  if (outs.length === 0 && drv === undefined) return 'names neither an output path nor a derivation';
  return { ...(drv !== undefined && { drv }), outs };
}

/** Moves a file that will never parse out of the queue, with a note saying why. */
export async function moveAside(dir: string, name: string, reason: string): Promise<void> {
  const aside = join(dir, 'corrupt');
  await mkdir(aside, { recursive: true, mode: 0o755 });
  await rename(join(dir, name), join(aside, name.replace(/^\./, '_')));
  await writeFile(join(aside, `${name.replace(/^\./, '_')}.why`), `${reason}\n`).catch(() => undefined);
}

export async function removeQueued(dir: string, names: readonly string[]): Promise<void> {
  for (const n of names) await unlink(join(dir, n)).catch(() => undefined);
}
