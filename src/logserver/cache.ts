/**
 * Memory in front of the database's hottest reads: every inclusion and consistency
 * proof reads the top of the same trees. TreeCache holds the complete subtrees of the
 * Merkle logs from level 6 up (one per 64 leaves), which never change once committed,
 * so it is never wrong, whoever else writes the database. Bounded: past its limit it
 * starts over empty. (The store bypasses it inside its own write transactions, whose
 * rows a rollback could take back.)
 */

import type { Hash } from '../merkle/index.ts';

const TREE_LIMIT = 200_000;
const TREE_MIN_LEVEL = 6;

export class TreeCache {
  private readonly nodes = new Map<string, Hash>();

  get(log: number, level: number, index: number, direct: () => Hash): Hash {
    if (level < TREE_MIN_LEVEL) return direct();
    const k = `${log}/${level}/${index}`;
    const hit = this.nodes.get(k);
    if (hit !== undefined) return hit;
    const h = direct();
    if (this.nodes.size >= TREE_LIMIT) this.nodes.clear();
    this.nodes.set(k, h);
    return h;
  }
}
