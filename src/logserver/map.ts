/**
 * The log's map, held in memory (trustix/smt-trie.ts) and derived from the entries
 * table alone: key → {"Digest":…,"Index":…} for every entry a head covers. Nothing
 * about the map is stored, so the map cannot disagree with the entries; each map we
 * build is checked against the MapRoot its head signed.
 *
 * A process loads it once (O(entries): the entries are read in order, sorted by path
 * and hashed), then follows the database: `catchUp` applies what other processes
 * appended, one head at a time. The maps of the last `history` heads stay available
 * (they share all but the changed paths), so a reader who fetched a head just before
 * a submission can still prove against it.
 */

import { Buffer } from 'node:buffer';
import type { Hash } from '../merkle/index.ts';
import { equalBytes, toHex } from '../merkle/index.ts';
import { buildTrie, comparePaths, insertLeaves, trieRoot } from '../trustix/index.ts';
import type { Trie, TrieLeaf } from '../trustix/index.ts';
import { LogStateError } from './errors.ts';
import type { LogDb, MapRow } from './store.ts';

export interface MapLeaf extends TrieLeaf {
  /** The entry's position in the main log (MapEntry.Index). */
  readonly index: number;
  /** SHA-256 of the entry's value (MapEntry.Digest). */
  readonly digest: Hash;
}

export type LogTrie = Trie<MapLeaf>;

const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

/** Leaves sorted by path: by their first 48 bits as a number, then (rarely) by all 256. */
function sortByPath(leaves: MapLeaf[]): MapLeaf[] {
  const top = (l: MapLeaf): number => {
    const p = l.path;
    return ((p[0] as number) * 2 ** 40) + ((p[1] as number) * 2 ** 32) + ((p[2] as number) * 2 ** 24) + ((p[3] as number) << 16) + ((p[4] as number) << 8) + (p[5] as number);
  };
  const keyed = leaves.map((l) => ({ k: top(l), l }));
  keyed.sort((a, b) => a.k - b.k || comparePaths(a.l, b.l));
  return keyed.map((x) => x.l);
}
const leafOf = (r: MapRow): MapLeaf => ({ path: r.path, valueHash: r.vhash, index: r.index, digest: r.digest });

export class LogMap {
  private readonly versions = new Map<number, LogTrie>();
  /** Entry index by digest (latin1 of its 32 bytes), made on first use. */
  private byDigest: Map<string, number> | undefined;
  private version = 0;
  private size = 0;

  private constructor(private readonly db: LogDb, private readonly history: number) {}

  /** The map of every head from the latest back `history` heads, built from the database. */
  static load(db: LogDb, history = 0): LogMap {
    const m = new LogMap(db, history);
    const { rows, latest } = db.read(() => ({ latest: db.latestHead().seq, rows: db.mapRows(0) }));
    const base = Math.max(1, latest - history);
    const older = sortByPath(rows.filter((r) => r.version <= base).map(leafOf));
    m.add(base, buildTrie(older), older.length);
    m.apply(rows.filter((r) => r.version > base));
    if (m.version !== latest) throw new LogStateError(`the log's entries end at head ${m.version}, its latest head is ${latest}`);
    return m;
  }

  get latestVersion(): number {
    return this.version;
  }

  /** The oldest head whose map this process holds. */
  get oldestVersion(): number {
    return Math.min(...this.versions.keys());
  }

  get latest(): LogTrie {
    return this.versions.get(this.version);
  }

  /** The map as head `seq` signed it, if this process still holds it. */
  at(seq: number): { readonly trie: LogTrie } | undefined {
    return this.versions.has(seq) ? { trie: this.versions.get(seq) } : undefined;
  }

  /** The index of the entry whose value has this SHA-256, among the entries of the maps held. */
  indexOfDigest(digest: Uint8Array): number | undefined {
    if (this.byDigest === undefined) {
      const m = new Map<string, number>();
      const walk = (t: LogTrie): void => {
        if (t === undefined) return;
        if ('leaf' in t) m.set(latin1(t.leaf.digest), t.leaf.index);
        else {
          walk(t.left);
          walk(t.right);
        }
      };
      walk(this.latest);
      this.byDigest = m;
    }
    return this.byDigest.get(latin1(digest));
  }

  /** Applies the entries other processes committed since. */
  catchUp(): void {
    this.apply(this.db.mapRows(this.size));
  }

  /** This process committed `trie`, the map of head `seq` with `added` more entries. */
  committed(seq: number, trie: LogTrie, added: readonly MapLeaf[]): void {
    if (seq !== this.version + 1) throw new LogStateError(`head ${seq} committed on top of head ${this.version}`);
    this.add(seq, trie, this.size + added.length);
    for (const l of added) this.byDigest?.set(latin1(l.digest), l.index);
  }

  private apply(rows: readonly MapRow[]): void {
    for (let i = 0; i < rows.length;) {
      const version = (rows[i] as MapRow).version;
      let j = i;
      while (j < rows.length && (rows[j] as MapRow).version === version) j++;
      if (version !== this.version + 1 || (rows[i] as MapRow).index !== this.size) {
        throw new LogStateError(`entry ${(rows[i] as MapRow).index} of head ${version} does not follow head ${this.version} (${this.size} entries)`);
      }
      const leaves = rows.slice(i, j).map(leafOf);
      this.add(version, insertLeaves(this.latest, leaves), this.size + (j - i));
      for (const l of leaves) this.byDigest?.set(latin1(l.digest), l.index);
      i = j;
    }
  }

  private add(version: number, trie: LogTrie, size: number): void {
    const head = this.db.head(version);
    if (head === undefined || !equalBytes(head.mapRoot, trieRoot(trie))) {
      throw new LogStateError(`the map of head ${version}'s entries has root ${toHex(trieRoot(trie))}, the head says ${head === undefined ? 'nothing' : toHex(head.mapRoot)}`);
    }
    this.versions.set(version, trie);
    this.version = version;
    this.size = size;
    this.versions.delete(version - this.history - 1);
  }
}
