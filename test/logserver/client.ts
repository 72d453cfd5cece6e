/**
 * A Trustix reader for tests and bench/trustix.ts: Connect calls over HTTP keep-alive
 * (fetch, or an undici Pool when speed matters), and a lookup that checks every
 * proof with the pure modules, as SPEC §8 recipes it:
 *
 *   GetMapValue(key, head.MapRoot)  → the map proof against the verified head's MapRoot
 *   GetLogEntries(i, i)             → the leaf binds key and digest (optional)
 *   GetLogAuditProof(i, TreeSize)   → the leaf is in the signed LogRoot (optional)
 *   GetValue(digest)                → the value hashes to the digest and is for this path
 */
import { Pool } from 'undici';
import { verifyConsistency, verifyInclusion } from '../../src/merkle/index.ts';
import type { StorePath } from '../../src/nixfmt/index.ts';
import {
  PROCEDURES as P, checkLogLeaf, connectError, decodeBinary, decodeJson, decodeValue, encodeBinary, encodeJson, fromWireHead, parseMapEntry,
  verifyHead, verifyMapAbsence, verifyMapValue,
} from '../../src/trustix/index.ts';
import type { ConnectErrorBody, Fields, LogKey, MessageOf, Procedure, TrustixValue, VerifiedHead } from '../../src/trustix/index.ts';

export type Post = (path: string, body: Uint8Array, headers: Record<string, string>) => Promise<{ status: number; body: Uint8Array }>;

export function fetchPost(base: string): Post {
  return async (path, body, headers) => {
    const res = await fetch(`${base}${path}`, { method: 'POST', body, headers });
    return { status: res.status, body: new Uint8Array(await res.arrayBuffer()) };
  };
}

export function poolPost(base: string, connections: number): Post & { close(): Promise<void> } {
  const pool = new Pool(base, { connections, keepAliveTimeout: 60_000 });
  const post: Post = async (path, body, headers) => {
    const res = await pool.request({ path, method: 'POST', body, headers });
    return { status: res.statusCode, body: new Uint8Array(await res.body.arrayBuffer()) };
  };
  return Object.assign(post, { close: () => pool.close() });
}

export class ConnectCallError extends Error {
  constructor(readonly status: number, readonly body: ConnectErrorBody) {
    super(`${status} ${body.code}: ${body.message}`);
  }
}

export interface Lookup {
  readonly index: bigint;
  readonly value: TrustixValue;
}

export class LogClient {
  constructor(readonly post: Post, readonly logId: string, readonly key: LogKey, readonly codec: 'json' | 'proto' = 'proto') {}

  async call<Req extends Fields, Res extends Fields>(p: Procedure<Req, Res>, msg: MessageOf<Req>, headers: Record<string, string> = {}): Promise<MessageOf<Res>> {
    const json = this.codec === 'json';
    const body = json ? new TextEncoder().encode(encodeJson(p.request, msg)) : encodeBinary(p.request, msg);
    const res = await this.post(p.path, body, { 'content-type': json ? 'application/json' : 'application/proto', 'connect-protocol-version': '1', ...headers });
    if (res.status !== 200) throw new ConnectCallError(res.status, connectError(res.status, new TextDecoder().decode(res.body)));
    return json ? decodeJson(p.response, new TextDecoder().decode(res.body)) : decodeBinary(p.response, res.body);
  }

  async head(): Promise<VerifiedHead> {
    return verifyHead(fromWireHead(await this.call(P['LogAPI.GetHead'], { LogID: this.logId })), this.key);
  }

  /** Checks that `next` extends `prev` (main and map-head logs), strictly. */
  async consistent(prev: VerifiedHead, next: VerifiedHead): Promise<void> {
    const [log, mh] = await Promise.all([
      this.call(P['LogAPI.GetLogConsistencyProof'], { LogID: this.logId, FirstSize: prev.treeSize, SecondSize: next.treeSize }),
      this.call(P['LogAPI.GetMHLogConsistencyProof'], { LogID: this.logId, FirstSize: prev.mhTreeSize, SecondSize: next.mhTreeSize }),
    ]);
    verifyConsistency(prev.treeSize, next.treeSize, log.Proof, prev.logRoot, next.logRoot);
    verifyConsistency(prev.mhTreeSize, next.mhTreeSize, mh.Proof, prev.mhRoot, next.mhRoot);
  }

  /** The path's value under `head`, every proof checked; undefined when the log proves it holds none. */
  async lookup(head: VerifiedHead, path: StorePath, opts: { bindToLog?: boolean } = {}): Promise<Lookup | undefined> {
    const key = new TextEncoder().encode(path);
    const mv = await this.call(P['LogAPI.GetMapValue'], { LogID: this.logId, Key: key, MapRoot: head.mapRoot });
    if (mv.Value.length === 0) {
      verifyMapAbsence(head.mapRoot, key, mv.Proof);
      return undefined;
    }
    verifyMapValue(head.mapRoot, key, mv.Value, mv.Proof);
    const entry = parseMapEntry(mv.Value);
    const [value, leaves, audit] = await Promise.all([
      this.call(P['NodeAPI.GetValue'], { Digest: entry.digest }),
      opts.bindToLog === false ? undefined : this.call(P['LogAPI.GetLogEntries'], { LogID: this.logId, Start: entry.index, Finish: entry.index }),
      opts.bindToLog === false ? undefined : this.call(P['LogAPI.GetLogAuditProof'], { LogID: this.logId, Index: entry.index, TreeSize: head.treeSize }),
    ]);
    if (leaves !== undefined && audit !== undefined) {
      const leaf = leaves.Leaves[0];
      if (leaves.Leaves.length !== 1 || leaf === undefined) throw new Error(`GetLogEntries(${entry.index}) sent ${leaves.Leaves.length} leaves`);
      verifyInclusion(entry.index, head.treeSize, checkLogLeaf(leaf, key, entry.digest), audit.Proof, head.logRoot);
    }
    return { index: entry.index, value: decodeValue(value.Value, { digest: entry.digest, path }) };
  }
}
