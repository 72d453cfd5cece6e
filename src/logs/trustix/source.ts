/**
 * One lookup in a Trustix log (SPEC §8 steps 4 and 6), against the head heads.ts keeps:
 *
 *   GetMapValue(LogID, Key = the full store path, MapRoot = the head's)
 *     Value empty  → the proof must show the key absent under MapRoot → miss (not-found)
 *     Value        → the proof must show exactly these bytes under MapRoot → a MapEntry
 *     "not found"  → maybe the node moved on (a newer head is tried once); else a miss,
 *                    unproven: Trustix nodes answer absent keys with an error, no proof
 *   GetValue(MapEntry.Digest) → SHA-256 must be the digest, the value must name the path
 *   → vote: its NarHash (as sha256:nix32), NarSize and References (full paths).
 *
 * Any step that does not verify is a fault naming it (faults.ts); the node holds no
 * NARs, so the claim has no upstream.
 */
import { miss, type Answer, type Claim, type Question } from '../../claims.ts';
import { toHex } from '../../merkle/index.ts';
import type { StorePath } from '../../nixfmt/index.ts';
import { ConnectCallError } from '../../trustix/client.ts';
import type { TrustixClient } from '../../trustix/client.ts';
import {
  SparseCompactMerkleProof, decodeValue, encodeJson, parseMapEntry, verifyMapAbsence, verifyMapValue, type MapValueResponse,
} from '../../trustix/index.ts';
import type { Current, HeadKeeper } from './heads.ts';
import { step } from './faults.ts';

export interface LookupDeps {
  readonly ops: { now(): number };
  readonly client: TrustixClient;
  readonly heads: HeadKeeper;
  readonly log: string;
  readonly logId: string;
}

const utf8 = new TextEncoder();
const latin1 = new TextDecoder('latin1');
const fromUtf8 = new TextDecoder();

const short = (h: Uint8Array): string => `${toHex(h).slice(0, 12)}…`;

export function createLookup(d: LookupDeps): (q: Question, signal: AbortSignal) => Promise<Answer> {
  /** The map's answer for `key`, against the newest head the node can prove it for; a miss when it says "not found". */
  async function mapValue(path: StorePath, key: Uint8Array, signal: AbortSignal): Promise<{ at: Current; res: MapValueResponse } | Answer> {
    let at = await d.heads.current(signal);
    for (let tries = 0; ; tries++) {
      const askedAt = d.ops.now();
      const res = await step('GetMapValue', () => d.client.mapValue(d.logId, key, at.head.mapRoot, signal).catch((e: unknown) => {
        if (e instanceof ConnectCallError && e.notFound) return e;
        throw e;
      }));
      if (!(res instanceof ConnectCallError)) return { at, res };
      const next = tries === 0 ? await d.heads.newer(at, askedAt, signal) : undefined;
      if (next === undefined) return miss('not-found', `no entry for ${path} (the node says "${res.serverMessage}"; unproven: Trustix nodes do not prove absence)`);
      at = next;
    }
  }

  return async (q, signal) => {
    const path = q.path;
    if (path === undefined) return miss('unknown-path', 'a Trustix log is asked by full store path, and no other log named this one');
    const key = utf8.encode(path);
    const got = await mapValue(path, key, signal);
    if ('outcome' in got) return got;
    const { at, res } = got;
    const where = `map proof for ${path} against the map root ${short(at.head.mapRoot)} of the head of size ${at.head.treeSize}`;
    if (res.Value.length === 0) {
      await step(where, () => verifyMapAbsence(at.head.mapRoot, key, res.Proof));
      return miss('not-found', `no entry for ${path}: proven absent from the map of the head of size ${at.head.treeSize}`);
    }
    await step(where, () => verifyMapValue(at.head.mapRoot, key, res.Value, res.Proof));
    const entry = await step(`map entry for ${path}`, () => parseMapEntry(res.Value));
    const bytes = await step('GetValue', () => d.client.value(entry.digest, signal));
    const value = await step(`value ${short(entry.digest)} for ${path}`, () => decodeValue(bytes, { digest: entry.digest, path }));
    const claim: Claim = {
      ...value,
      log: d.log,
      proof: {
        kind: 'trustix',
        logId: d.logId,
        proof: { head: at.json, key: path, mapEntry: latin1.decode(res.Value), mapProof: encodeJson(SparseCompactMerkleProof, res.Proof), value: fromUtf8.decode(bytes) },
      },
    };
    return { outcome: 'vote', claim };
  };
}
