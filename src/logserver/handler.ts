/**
 * The log node as one function from a request to a response (the Node listener in
 * listen.ts only adapts it): the route table, the write gate, and the one place
 * where errors become Connect error bodies. It never throws.
 *
 *   NodeAPI.Logs, GetValue; LogAPI.GetHead, GetLogEntries, GetLogAuditProof,
 *   GetLogConsistencyProof, GetMapValue and their map-head-log (MH) twins: anyone
 *   LogRPC.Submit, Flush: only with a Trustix-Token header signed by a configured
 *   write token, and only when the node was given tokens at all (never by default)
 *
 * Submit appends and signs at once (there is no queue, so Flush has nothing to do).
 * Items whose key holds another value are refused: the others go in, and the call
 * answers already_exists naming the refused keys.
 */

import { PROCEDURES, TOKEN_HEADER, isTrustixError, verifyTokenHeader } from '../trustix/index.ts';
import type { Fields, MessageOf, Procedure, PublicToken } from '../trustix/index.ts';
import { ConnectFailure, LogStateError } from './errors.ts';
import { checkItem } from './items.ts';
import { appendItems } from './log.ts';
import type { AppendResult, HeadSigner } from './log.ts';
import * as S from './service.ts';
import type { LogReader } from './service.ts';
import {
  checkConnectHeaders, codecOf, decodeRequest, encodeResponse, errorResponse, methodNotAllowed, notFoundPath, unsupportedMediaType,
} from './wire.ts';
import type { Codec, RpcRequest, RpcResponse } from './wire.ts';

export interface Writer {
  readonly sign: HeadSigner;
  readonly tokens: readonly PublicToken[];
}

export interface HandlerOptions {
  readonly reader: LogReader;
  /** Log.Meta, e.g. { upstream: 'https://cache.example.org' }. */
  readonly meta?: Readonly<Record<string, string>>;
  /** Set to accept LogRPC.Submit and Flush from holders of these tokens. */
  readonly writer?: Writer;
  /** Told about every Submit that reached the log. */
  readonly onSubmit?: (token: string, result: AppendResult) => void;
}

export type RpcHandler = (req: RpcRequest) => RpcResponse;

interface Route {
  readonly write: boolean;
  handle(codec: Codec, req: RpcRequest): RpcResponse;
}

function route<Req extends Fields, Res extends Fields>(
  p: Procedure<Req, Res>, run: (msg: MessageOf<Req>, req: RpcRequest) => MessageOf<Res>, write = false,
): [string, Route] {
  return [p.path, { write, handle: (codec, req) => encodeResponse(p.response, codec, run(decodeRequest(p.request, codec, req.body), req)) }];
}

function authorise(writer: Writer | undefined, req: RpcRequest): string {
  if (writer === undefined) {
    throw new ConnectFailure('permission_denied', 'this log node takes no submissions over HTTP (use trustix-vote log submit, or start log serve with --write-tokens FILE)');
  }
  const header = req.header(TOKEN_HEADER.toLowerCase());
  if (header === undefined) throw new ConnectFailure('unauthenticated', `${req.path} needs a ${TOKEN_HEADER} header signed by a write token`);
  try {
    return verifyTokenHeader(header, writer.tokens, req.path);
  } catch (e) {
    throw new ConnectFailure('unauthenticated', isTrustixError(e) ? e.message : `bad ${TOKEN_HEADER} header`, { cause: e });
  }
}

const MAX_CONFLICTS_NAMED = 5;

export function createLogHandler(opts: HandlerOptions): RpcHandler {
  const r = opts.reader;
  const meta = opts.meta ?? {};
  /** The reader, once the request names our log. */
  const ours = (m: { readonly LogID: string }): LogReader => {
    S.checkLogId(r, m.LogID);
    return r;
  };
  const P = PROCEDURES;
  const routes = new Map<string, Route>([
    route(P['NodeAPI.Logs'], (m) => ({ Logs: S.logsOf(r, m.Protocols, meta) })),
    route(P['NodeAPI.GetValue'], (m) => ({ Value: S.getValue(r, m.Digest) })),
    route(P['LogAPI.GetHead'], (m) => S.getHead(ours(m))),
    route(P['LogAPI.GetLogEntries'], (m) => S.getEntries(ours(m), S.MAIN_LOG, m)),
    route(P['LogAPI.GetLogAuditProof'], (m) => S.getAuditProof(ours(m), S.MAIN_LOG, m)),
    route(P['LogAPI.GetLogConsistencyProof'], (m) => S.getConsistencyProof(ours(m), S.MAIN_LOG, m)),
    route(P['LogAPI.GetMapValue'], (m) => S.getMapValue(ours(m), m)),
    route(P['LogAPI.GetMHLogEntries'], (m) => S.getEntries(ours(m), S.MAP_HEAD_LOG, m)),
    route(P['LogAPI.GetMHLogAuditProof'], (m) => S.getAuditProof(ours(m), S.MAP_HEAD_LOG, m)),
    route(P['LogAPI.GetMHLogConsistencyProof'], (m) => S.getConsistencyProof(ours(m), S.MAP_HEAD_LOG, m)),
    route(P['LogRPC.Submit'], (m, req) => {
      const token = authorise(opts.writer, req);
      ours(m);
      const items = m.Items.map((i) => ({ key: i.Key, value: i.Value }));
      items.forEach((item, n) => checkItem(r.db.meta.protocol, item, `Items[${n}]`));
      const result = appendItems(r.log, items, (opts.writer as Writer).sign);
      r.committed(result.head);
      opts.onSubmit?.(token, result);
      const refused = result.outcomes.flatMap((o, n) => (o.kind === 'conflict' ? [n] : []));
      if (refused.length > 0) {
        const named = refused.slice(0, MAX_CONFLICTS_NAMED).map((n) => JSON.stringify(new TextDecoder().decode(items[n]?.key).slice(0, 200)));
        throw new ConnectFailure('already_exists', `refused ${refused.length} of ${items.length} items: the log holds another value for ${named.join(', ')}${refused.length > named.length ? ', …' : ''} (a log never changes its answer); the other items are in`);
      }
      return { status: 'OK' as const };
    }, true),
    route(P['LogRPC.Flush'], (m, req) => {
      authorise(opts.writer, req);
      ours(m);
      return {};
    }, true),
  ]);

  return (req) => {
    const found = routes.get(req.path);
    if (found === undefined) return notFoundPath;
    if (req.method !== 'POST') return methodNotAllowed;
    const codec = codecOf(req.header('content-type'));
    if (codec === undefined) return unsupportedMediaType;
    try {
      checkConnectHeaders(req);
      return found.handle(codec, req);
    } catch (e) {
      return errorResponse(asConnectFailure(e));
    }
  };
}

/** Any error as the Connect error a client gets: ours as they are, a busy database as unavailable, the rest internal. */
export function asConnectFailure(e: unknown): ConnectFailure {
  if (e instanceof ConnectFailure) return e;
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return new ConnectFailure('unavailable', 'the log is busy; try again', { cause: e });
  if (e instanceof LogStateError) return new ConnectFailure('data_loss', e.message, { cause: e });
  return new ConnectFailure('internal', 'internal error', { cause: e });
}
