/**
 * The Connect unary procedures a Trustix node serves (SPEC §1.2–1.3), as data.
 *
 * A call is `POST <base><path>` with one encoded request message as the body and
 * `Content-Type: application/proto` (or `application/json`); a 200 answer is one
 * response message in the same codec. Any other status carries a JSON error
 * body. Example:
 *
 *   POST /trustix_api.v1.LogAPI/GetHead   body 0a 40 "68d4…49e1"   → 200 LogHead
 *   → 500 {"code":"unknown","message":"Log with ID '…' is not published"}
 *
 * connectError reads such an error body, falling back to the HTTP status when
 * the body carries no known code (a plain-text 404 from Go's mux, a proxy page).
 */

import * as M from './wire-messages.ts';
import type { Fields, MessageType } from './wire-schema.ts';

export interface Procedure<Req extends Fields, Res extends Fields> {
  readonly path: string;
  readonly request: MessageType<Req>;
  readonly response: MessageType<Res>;
}

const procedure = <Req extends Fields, Res extends Fields>(path: string, request: MessageType<Req>, response: MessageType<Res>): Procedure<Req, Res> =>
  ({ path, request, response });

const LOG = '/trustix_api.v1.LogAPI/';

export const PROCEDURES = {
  'NodeAPI.Logs': procedure('/trustix_api.v1.NodeAPI/Logs', M.LogsRequest, M.LogsResponse),
  'NodeAPI.GetValue': procedure('/trustix_api.v1.NodeAPI/GetValue', M.ValueRequest, M.ValueResponse),
  'LogAPI.GetHead': procedure(`${LOG}GetHead`, M.LogHeadRequest, M.LogHead),
  'LogAPI.GetLogConsistencyProof': procedure(`${LOG}GetLogConsistencyProof`, M.GetLogConsistencyProofRequest, M.ProofResponse),
  /** Panics on every current server (SPEC §9 bug 2); expect the connection to drop. */
  'LogAPI.GetLogAuditProof': procedure(`${LOG}GetLogAuditProof`, M.GetLogAuditProofRequest, M.ProofResponse),
  'LogAPI.GetLogEntries': procedure(`${LOG}GetLogEntries`, M.GetLogEntriesRequest, M.LogEntriesResponse),
  'LogAPI.GetMapValue': procedure(`${LOG}GetMapValue`, M.GetMapValueRequest, M.MapValueResponse),
  'LogAPI.GetMHLogConsistencyProof': procedure(`${LOG}GetMHLogConsistencyProof`, M.GetLogConsistencyProofRequest, M.ProofResponse),
  'LogAPI.GetMHLogAuditProof': procedure(`${LOG}GetMHLogAuditProof`, M.GetLogAuditProofRequest, M.ProofResponse),
  'LogAPI.GetMHLogEntries': procedure(`${LOG}GetMHLogEntries`, M.GetLogEntriesRequest, M.LogEntriesResponse),
  'RPCApi.Decide': procedure('/trustix_rpc.v1.RPCApi/Decide', M.DecideRequest, M.DecisionResponse),
  'LogRPC.Submit': procedure('/trustix_rpc.v1.LogRPC/Submit', M.SubmitRequest, M.SubmitResponse),
  'LogRPC.Flush': procedure('/trustix_rpc.v1.LogRPC/Flush', M.FlushRequest, M.FlushResponse),
} as const;

export type ProcedureName = keyof typeof PROCEDURES;

export const CONTENT_TYPE = { proto: 'application/proto', json: 'application/json' } as const;

export type ConnectCode =
  | 'canceled' | 'unknown' | 'invalid_argument' | 'deadline_exceeded' | 'not_found' | 'already_exists'
  | 'permission_denied' | 'resource_exhausted' | 'failed_precondition' | 'aborted' | 'out_of_range'
  | 'unimplemented' | 'internal' | 'unavailable' | 'data_loss' | 'unauthenticated';

const CODES: ReadonlySet<string> = new Set<ConnectCode>([
  'canceled', 'unknown', 'invalid_argument', 'deadline_exceeded', 'not_found', 'already_exists',
  'permission_denied', 'resource_exhausted', 'failed_precondition', 'aborted', 'out_of_range',
  'unimplemented', 'internal', 'unavailable', 'data_loss', 'unauthenticated',
]);

const BY_STATUS: Readonly<Record<number, ConnectCode>> = {
  400: 'invalid_argument', 401: 'unauthenticated', 403: 'permission_denied', 404: 'unimplemented',
  408: 'deadline_exceeded', 412: 'failed_precondition', 413: 'resource_exhausted', 431: 'resource_exhausted',
  429: 'unavailable', 502: 'unavailable', 503: 'unavailable', 504: 'unavailable',
};

export interface ConnectErrorBody {
  readonly code: ConnectCode;
  /** The server's text, or '' (never compare it: Go varies its spaces). */
  readonly message: string;
}

/** The Connect error of a non-200 answer: its body's code if known, else one from the status. */
export function connectError(status: number, body: string): ConnectErrorBody {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    doc = undefined;
  }
  const obj = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>) : {};
  const code = typeof obj['code'] === 'string' && CODES.has(obj['code']) ? (obj['code'] as ConnectCode) : (BY_STATUS[status] ?? 'unknown');
  return { code, message: typeof obj['message'] === 'string' ? obj['message'] : '' };
}
