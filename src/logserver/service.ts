/**
 * What our log node answers to each Trustix procedure (SPEC §1.2, §1.6), from the
 * database. Reads always use the latest head: it is re-read whenever another process
 * (a `log submit`) has committed, which SQLite's data_version says cheaply.
 *
 * Where Trustix errs, panics or says nothing, we answer with a Connect error:
 *
 *   another log ID                          not_found     ("Log with ID '…' is not published")
 *   a range past the head                   out_of_range
 *   Start > Finish, Index >= TreeSize, …    invalid_argument
 *   more than 10,000 entries in one call    resource_exhausted
 *   a MapRoot no head of ours signed        not_found
 *   a value we do not hold                  not_found
 *
 * GetLogAuditProof answers (Trustix panics), GetMapValue proves against the latest
 * heads (by default 64; Trustix: the latest only) and proves absence with an empty
 * Value (Trustix: an error), and GetLogConsistencyProof refuses First > Second
 * instead of sending [].
 */

import { equalBytes, sha256, toHex } from '../merkle/index.ts';
import { toWireHead } from '../trustix/index.ts';
import type {
  GetLogAuditProofRequest, GetLogConsistencyProofRequest, GetLogEntriesRequest, GetMapValueRequest, Log, LogEntriesResponse, LogHead,
  MapValueResponse, ProofResponse,
} from '../trustix/index.ts';
import { ConnectFailure, LogStateError } from './errors.ts';
import { auditProof, consistencyProof, logLeaves, mapHeadLeaves, mapValue } from './log.ts';
import { MAIN_LOG, MAP_HEAD_LOG } from './store.ts';
import type { LogDb, StoredHead, TreeId } from './store.ts';
import type { OpenLog } from './log.ts';

export const MAX_ENTRIES_PER_CALL = 10_000;
/** How many of the latest heads' maps `log serve` keeps provable (a reader's head may be a little behind). */
export const PROVABLE_HEADS = 64;

export interface LogReader {
  readonly log: OpenLog;
  readonly db: LogDb;
  /** The latest head, re-read when another process committed. */
  head(): StoredHead;
  /** Tells the reader about a head this process committed (data_version does not change for those). */
  committed(head: StoredHead): void;
}

export function logReader(log: OpenLog): LogReader {
  const db = log.db;
  let seen = db.dataVersion();
  let latest = db.latestHead();
  return {
    log,
    db,
    head() {
      const v = db.dataVersion();
      if (v !== seen) {
        seen = v;
        db.read(() => {
          latest = db.latestHead();
          log.map.catchUp();
        });
      }
      return latest;
    },
    committed(h) {
      if (h.seq > latest.seq) latest = h;
    },
  };
}

function size(n: bigint, what: string): number {
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new ConnectFailure('out_of_range', `${what} ${n} is past the end of the log`);
  return Number(n);
}

export function checkLogId(r: LogReader, logId: string): void {
  if (logId !== r.db.meta.logId) throw new ConnectFailure('not_found', `Log with ID '${logId.slice(0, 100)}' is not published`);
}

export function logsOf(r: LogReader, protocols: readonly string[], meta: Readonly<Record<string, string>>): Log[] {
  const { protocol, key, logId } = r.db.meta;
  if (protocols.length > 0 && !protocols.includes(protocol.id)) return [];
  return [{ LogID: logId, Mode: 'Log', Protocol: protocol.id, Signer: { KeyType: 'ed25519', Public: key.base64 }, Meta: meta }];
}

export function getHead(r: LogReader): LogHead {
  return toWireHead(r.head());
}

const treeSize = (r: LogReader, tree: TreeId): number => Number(tree === MAIN_LOG ? r.head().treeSize : r.head().mhTreeSize);
const treeName = (tree: TreeId): string => (tree === MAIN_LOG ? 'TreeSize' : 'MHTreeSize');

export function getEntries(r: LogReader, tree: TreeId, req: GetLogEntriesRequest): LogEntriesResponse {
  const n = treeSize(r, tree);
  const [start, finish] = [size(req.Start, 'Start'), size(req.Finish, 'Finish')];
  if (start > finish) throw new ConnectFailure('invalid_argument', `Start ${start} is after Finish ${finish} (both are included)`);
  if (finish >= n) throw new ConnectFailure('out_of_range', `Finish ${finish} is past the last entry (${treeName(tree)} ${n})`);
  if (finish - start + 1 > MAX_ENTRIES_PER_CALL) {
    throw new ConnectFailure('resource_exhausted', `at most ${MAX_ENTRIES_PER_CALL} entries per call; ask for ${start}..${start + MAX_ENTRIES_PER_CALL - 1} first`);
  }
  return { Leaves: tree === MAIN_LOG ? logLeaves(r.db, start, finish) : mapHeadLeaves(r.db, start, finish) };
}

export function getAuditProof(r: LogReader, tree: TreeId, req: GetLogAuditProofRequest): ProofResponse {
  const n = treeSize(r, tree);
  const [index, at] = [size(req.Index, 'Index'), size(req.TreeSize, 'TreeSize')];
  if (at > n) throw new ConnectFailure('out_of_range', `TreeSize ${at} is past the head (${treeName(tree)} ${n})`);
  if (index >= at) throw new ConnectFailure('invalid_argument', `Index ${index} is not below TreeSize ${at}`);
  return { Proof: auditProof(r.db, tree, index, at) };
}

export function getConsistencyProof(r: LogReader, tree: TreeId, req: GetLogConsistencyProofRequest): ProofResponse {
  const n = treeSize(r, tree);
  const [first, second] = [size(req.FirstSize, 'FirstSize'), size(req.SecondSize, 'SecondSize')];
  if (second > n) throw new ConnectFailure('out_of_range', `SecondSize ${second} is past the head (${treeName(tree)} ${n})`);
  if (first > second) throw new ConnectFailure('invalid_argument', `FirstSize ${first} is above SecondSize ${second}`);
  return { Proof: consistencyProof(r.db, tree, first, second) };
}

export function getMapValue(r: LogReader, req: GetMapValueRequest): MapValueResponse {
  if (req.MapRoot.length !== 32) throw new ConnectFailure('invalid_argument', `MapRoot is ${req.MapRoot.length} bytes, not 32`);
  const head = r.db.headWithMapRoot(req.MapRoot);
  if (head === undefined) throw new ConnectFailure('not_found', `no head of this log has MapRoot ${toHex(req.MapRoot)}`);
  let answer = mapValue(r.log, head, req.Key);
  if (answer === undefined) {
    r.head(); // a head committed since the last request: catch up, then look again
    answer = mapValue(r.log, head, req.Key);
  }
  if (answer === undefined) {
    throw new ConnectFailure('not_found', `head ${head.seq} (MapRoot ${toHex(req.MapRoot)}) is older than the heads this node proves against (from ${r.log.map.oldestVersion}); fetch the latest head`);
  }
  return answer;
}

export function getValue(r: LogReader, digest: Uint8Array): Uint8Array {
  if (digest.length !== 32) throw new ConnectFailure('invalid_argument', `Digest is ${digest.length} bytes, not 32`);
  // Values never change: only a digest the map does not know yet needs a look for newer commits.
  let index = r.log.map.indexOfDigest(digest);
  if (index === undefined) {
    r.head(); // the map follows the database
    index = r.log.map.indexOfDigest(digest);
  }
  const value = index === undefined ? undefined : r.db.value(index);
  if (value === undefined) throw new ConnectFailure('not_found', `no value with digest ${toHex(digest)}`);
  if (!equalBytes(sha256(value), digest)) throw new LogStateError(`entry ${index}'s value does not hash to its digest`);
  return value;
}

export { MAIN_LOG, MAP_HEAD_LOG };
