/**
 * Opening the journal's database: better-sqlite3, imported here and nowhere else in
 * src/ (lint enforces it). WAL, so readers (`why`, `report`) never block the writer
 * and a committed transaction survives the process being killed; synchronous=NORMAL,
 * so a commit costs no fsync (a power cut may lose the last commits, never corrupt).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './schema.ts';

export type Db = Database.Database;
export type Statement = Database.Statement;

export class JournalError extends Error {
  readonly code = 'JOURNAL';
}

export interface OpenOptions {
  /** Only read: the file must exist, nothing is migrated. */
  readonly readonly?: boolean;
  /** How long a write waits for another process's transaction (serve: briefly, and tries again later). */
  readonly busyMs: number;
}

export function openDb(file: string, opts: OpenOptions): Db {
  let db: Db;
  try {
    if (opts.readonly !== true) mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
    db = new Database(file, { readonly: opts.readonly === true, fileMustExist: opts.readonly === true, timeout: opts.busyMs });
  } catch (e) {
    throw new JournalError(`cannot open the journal ${file}: ${messageOf(e)}`, { cause: e });
  }
  try {
    if (opts.readonly !== true) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    // A small page cache: serve's memory budget is tight, and the journal is mostly appended to.
    db.pragma('cache_size = -1024');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) throw new Error(`it has schema version ${version}, this trustix-vote knows up to ${MIGRATIONS.length}: a newer trustix-vote wrote it`);
    if (version < MIGRATIONS.length) {
      if (opts.readonly === true) throw new Error(`it has schema version ${version}; run a command that writes it (serve, check, post-build-hook --drain) to upgrade it`);
      migrate(db);
    }
    return db;
  } catch (e) {
    db.close();
    if (e instanceof JournalError) throw e;
    throw new JournalError(`cannot use the journal ${file}: ${messageOf(e)}`, { cause: e });
  }
}

function migrate(db: Db): void {
  db.transaction(() => {
    // Read again inside the write transaction: another process may have migrated meanwhile.
    const version = db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0] ?? e.name : String(e);
}

/** SQLITE_BUSY and friends: another process holds the write lock; try again later. */
export function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}
