/**
 * An in-memory Trustix publisher built from the pure modules (as golang/mod's
 * sumdb/test.go builds a server): Submit+Flush semantics of internal/publisher
 * (first write wins, one signed head per flush that wrote something, the map
 * root appended to the map-head log before signing), and the LogAPI answers.
 * Unlike Trustix it can prove absence and prove against older map roots.
 */
import {
  consistencyProof, inclusionProof, leafHash, rootFromLeafHashes, sha256, toHex,
} from '../../src/merkle/index.ts';
import type { Hash } from '../../src/merkle/index.ts';
import { PLACEHOLDER, buildMap, encodeMapEntry, kvLeafHash } from '../../src/trustix/index.ts';
import type { LogKey, LogLeaf, MapValueResponse, SignedHead, SparseMap } from '../../src/trustix/index.ts';
import { signHead } from './sign.ts';
import type { Signer } from './sign.ts';

export interface Item { readonly key: Uint8Array; readonly value: Uint8Array }

export class Publisher {
  readonly leaves: LogLeaf[] = [];
  readonly mhLeaves: Hash[] = [];
  readonly heads: SignedHead[] = [];
  private readonly entries = new Map<string, Item>();
  private readonly values = new Map<string, Uint8Array>();
  private readonly mapStates: Item[][] = [];
  private readonly maps = new Map<number, SparseMap>();
  /** Proofs cost a walk over the whole map: each is made once (benchmarks ask thousands). */
  private readonly answers = new Map<string, MapValueResponse>();

  constructor(private readonly signer: Signer) {
    this.sign(PLACEHOLDER);
  }

  get key(): LogKey {
    return this.signer.key;
  }

  get head(): SignedHead {
    return this.heads[this.heads.length - 1]!;
  }

  /** Writes the items whose keys are new; signs a head if any was. */
  flush(items: readonly Item[]): boolean {
    let wrote = false;
    for (const { key, value } of items) {
      if (this.entries.has(toHex(key))) continue;
      const digest = sha256(value);
      this.values.set(toHex(digest), value);
      this.entries.set(toHex(key), { key, value: encodeMapEntry(digest, BigInt(this.leaves.length)) });
      this.leaves.push({ Key: key, ValueDigest: digest, LeafDigest: kvLeafHash(key, digest) });
      wrote = true;
    }
    if (wrote) this.sign(buildMap(this.entries.values()).root);
    return wrote;
  }

  private sign(mapRoot: Hash): void {
    this.mapStates.push([...this.entries.values()]);
    this.mhLeaves.push(leafHash(mapRoot));
    const leafHashes = this.leaves.map((l) => l.LeafDigest as Hash);
    this.heads.push(signHead(this.signer, {
      logRoot: rootFromLeafHashes(leafHashes), treeSize: BigInt(this.leaves.length),
      mapRoot, mhRoot: rootFromLeafHashes(this.mhLeaves), mhTreeSize: BigInt(this.mhLeaves.length),
    }));
  }

  consistency(first: number, second: number): Hash[] {
    return consistencyProof(this.leaves.slice(0, second).map((l) => l.LeafDigest as Hash), first);
  }

  mhConsistency(first: number, second: number): Hash[] {
    return consistencyProof(this.mhLeaves.slice(0, second), first);
  }

  audit(index: number, size: number): Hash[] {
    return inclusionProof(this.leaves.slice(0, size).map((l) => l.LeafDigest as Hash), index);
  }

  /** GetMapValue against the map of head `headIndex` (Trustix: only the latest); Value is empty when absent. */
  mapValue(key: Uint8Array, headIndex = this.heads.length - 1): MapValueResponse {
    const memo = `${headIndex} ${toHex(key)}`;
    let res = this.answers.get(memo);
    if (res === undefined) {
      const state = this.mapStates[headIndex]!;
      const entry = state.find((e) => toHex(e.key) === toHex(key));
      this.answers.set(memo, (res = { Value: entry?.value ?? new Uint8Array(), Proof: this.mapAt(headIndex).prove(key) }));
    }
    return res;
  }

  /** The map as it was at head `headIndex`, built once. */
  mapAt(headIndex: number): SparseMap {
    let map = this.maps.get(headIndex);
    if (map === undefined) this.maps.set(headIndex, (map = buildMap(this.mapStates[headIndex]!)));
    return map;
  }

  value(digest: Uint8Array): Uint8Array | undefined {
    return this.values.get(toHex(digest));
  }
}
