/**
 * A Connect client for one Trustix node: the calls a reader of a log makes, over
 * Ops only (SPEC §1.3, §8). Each call is
 *
 *   POST <url>/trustix_api.v1.LogAPI/GetHead
 *   Content-Type: application/proto, Connect-Protocol-Version: 1
 *   body: LogHeadRequest{LogID}  →  200 application/proto LogHead
 *                                 →  500 {"code":"unknown","message":"Log with ID '…' is not published"}
 *
 * in the binary codec, as Trustix's own Go clients speak it. A 200 answer must be
 * one well-formed message of the procedure's response type (else TrustixError
 * 'malformed'); any other status is a ConnectCallError carrying the Connect code and
 * the server's message, cut to one short line. Network failures stay NetErrors.
 * Nothing here verifies anything: heads, proofs and values are checked by the pure
 * modules (head.ts, track.ts, smt-proof.ts, value.ts) in whoever calls this.
 */

import type { Ops } from '../ops.ts';
import { CONTENT_TYPE, PROCEDURES, connectError } from './connect.ts';
import type { ConnectCode, ProcedureName } from './connect.ts';
import { malformed } from './errors.ts';
import { fromWireHead } from './head.ts';
import type { SignedHead } from './head.ts';
import { decodeBinary, encodeBinary } from './wire-binary.ts';
import type { MapValueResponse } from './wire-messages.ts';
import type { LogLeaf } from './wire-messages.ts';
import type { Fields, MessageOf, MessageType } from './wire-schema.ts';

/** A non-200 answer: the node refused or failed the call. */
export class ConnectCallError extends Error {
  readonly code = 'CONNECT';

  constructor(readonly procedure: string, readonly status: number, readonly connectCode: ConnectCode, readonly serverMessage: string) {
    super(`${procedure}: HTTP ${status} ${connectCode}${serverMessage === '' ? '' : `: ${serverMessage}`}`);
    this.name = 'ConnectCallError';
  }

  /** What Trustix answers for a key its map lacks, or a map root it no longer holds (SPEC §4.6). */
  get notFound(): boolean {
    return this.connectCode === 'not_found' || (this.connectCode === 'unknown' && /not found/i.test(this.serverMessage));
  }
}

/** Largest answer accepted per procedure; anything bigger is a NetError 'too-large'. */
const MAX_BYTES: Partial<Record<ProcedureName, number>> = {
  'LogAPI.GetHead': 4096,
  'LogAPI.GetLogConsistencyProof': 16384,
  'LogAPI.GetMHLogConsistencyProof': 16384,
  'LogAPI.GetMapValue': 65536,
  'NodeAPI.GetValue': 1024 * 1024,
};
const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

const utf8 = new TextDecoder('utf-8');

/** The server's words for a person: one line, printable, short. */
function oneLine(text: string): string {
  const s = text.replace(/[\u0000-\u001f\u007f-\u009f\u00a0]+/g, ' ').trim();
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

export interface TrustixClient {
  /** One unary call in the binary codec. */
  call<N extends ProcedureName>(name: N, req: RequestOf<N>, signal: AbortSignal): Promise<ResponseOf<N>>;
  getHead(logId: string, signal: AbortSignal): Promise<SignedHead>;
  /** GetLogConsistencyProof or GetMHLogConsistencyProof(first, second).Proof. */
  consistencyProof(logId: string, which: 'log' | 'map-head-log', first: bigint, second: bigint, signal: AbortSignal): Promise<Uint8Array[]>;
  mapValue(logId: string, key: Uint8Array, mapRoot: Uint8Array, signal: AbortSignal): Promise<MapValueResponse>;
  /** NodeAPI.GetValue: the bytes the node holds under this digest (unchecked). */
  value(digest: Uint8Array, signal: AbortSignal): Promise<Uint8Array>;
  /** GetLogEntries(start, finish), both included. */
  entries(logId: string, start: bigint, finish: bigint, signal: AbortSignal): Promise<readonly LogLeaf[]>;
}

type Proc = (typeof PROCEDURES)[ProcedureName];
type RequestOf<N extends ProcedureName> = (typeof PROCEDURES)[N] extends { request: { fields: infer F extends Fields } } ? MessageOf<F> : never;
type ResponseOf<N extends ProcedureName> = (typeof PROCEDURES)[N] extends { response: { fields: infer F extends Fields } } ? MessageOf<F> : never;

export function createTrustixClient(opts: { readonly ops: Ops; readonly url: string; readonly timeoutMs: number }): TrustixClient {
  const base = opts.url.replace(/\/+$/, '');

  async function call<N extends ProcedureName>(name: N, req: RequestOf<N>, signal: AbortSignal): Promise<ResponseOf<N>> {
    const proc = PROCEDURES[name] as Proc;
    const body = encodeBinary(proc.request as MessageType<Fields>, req as MessageOf<Fields>);
    const res = await opts.ops.fetchBytes(`${base}${proc.path}`, {
      method: 'POST', body, signal, timeoutMs: opts.timeoutMs, maxBytes: MAX_BYTES[name] ?? DEFAULT_MAX_BYTES,
      headers: { 'content-type': CONTENT_TYPE.proto, 'connect-protocol-version': '1' },
    });
    if (res.status !== 200) {
      const err = connectError(res.status, utf8.decode(res.bytes.subarray(0, 4096)));
      throw new ConnectCallError(name, res.status, err.code, oneLine(err.message));
    }
    const type = (res.contentType ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== CONTENT_TYPE.proto) throw malformed(`${name}: answer is ${JSON.stringify(oneLine(res.contentType ?? 'untyped'))}, not ${CONTENT_TYPE.proto}`);
    try {
      return decodeBinary(proc.response as MessageType<Fields>, res.bytes) as ResponseOf<N>;
    } catch (e) {
      throw malformed(`${name}: ${e instanceof Error ? e.message : String(e)}`, e);
    }
  }

  return {
    call,
    async getHead(logId, signal) {
      const head = await call('LogAPI.GetHead', { LogID: logId }, signal);
      try {
        return fromWireHead(head);
      } catch (e) {
        throw malformed(`LogAPI.GetHead: ${e instanceof Error ? e.message : String(e)}`, e);
      }
    },
    async consistencyProof(logId, which, first, second, signal) {
      const name = which === 'log' ? 'LogAPI.GetLogConsistencyProof' : 'LogAPI.GetMHLogConsistencyProof';
      const res = await call(name, { LogID: logId, FirstSize: first, SecondSize: second }, signal);
      return [...res.Proof];
    },
    mapValue: (logId, key, mapRoot, signal) => call('LogAPI.GetMapValue', { LogID: logId, Key: key, MapRoot: mapRoot }, signal),
    async value(digest, signal) {
      return (await call('NodeAPI.GetValue', { Digest: digest }, signal)).Value;
    },
    async entries(logId, start, finish, signal) {
      return (await call('LogAPI.GetLogEntries', { LogID: logId, Start: start, Finish: finish }, signal)).Leaves;
    },
  };
}
