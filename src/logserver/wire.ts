/**
 * The server half of the Connect unary protocol (SPEC §1.3), as connect-go answers:
 *
 *   POST /<package>.<Service>/<Method>
 *   Content-Type: application/proto | application/json[; charset=utf-8]
 *   [Connect-Protocol-Version: 1] [Connect-Timeout-Ms: <digits>]
 *   body: one request message
 *
 *   → 200, the same Content-Type, one response message
 *   → <status>, application/json, {"code":"<code>","message":"<text>"}
 *
 * Any other method is 405 with `Allow: POST`, any other content type 415 with
 * `Accept-Post`, an unknown path a plain-text 404 (Go's mux). A body that does not
 * decode, or lacks a required field, is invalid_argument.
 */

import { CONTENT_TYPE, decodeBinary, decodeJson, encodeBinary, encodeJson, isTrustixError } from '../trustix/index.ts';
import type { Fields, MessageOf, MessageType } from '../trustix/index.ts';
import { ConnectFailure } from './errors.ts';

export type Codec = 'proto' | 'json';

export interface RpcRequest {
  readonly method: string;
  /** The URL path, without the query. */
  readonly path: string;
  /** A request header by lower-case name. */
  header(name: string): string | undefined;
  /** The body, already decompressed. */
  readonly body: Uint8Array;
}

export interface RpcResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array | string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The codec a Content-Type names, or undefined for one a Connect server refuses. */
export function codecOf(contentType: string | undefined): Codec | undefined {
  const [type = '', ...params] = (contentType ?? '').toLowerCase().split(';').map((s) => s.trim());
  if (type === CONTENT_TYPE.proto && params.length === 0) return 'proto';
  if (type !== CONTENT_TYPE.json) return undefined;
  return params.every((p) => p === 'charset=utf-8') ? 'json' : undefined;
}

export function decodeRequest<F extends Fields>(type: MessageType<F>, codec: Codec, body: Uint8Array): MessageOf<F> {
  try {
    if (codec === 'proto') return decodeBinary(type, body);
    return decodeJson(type, utf8.decode(body));
  } catch (e) {
    const why = isTrustixError(e) ? e.message : 'body is not UTF-8';
    throw new ConnectFailure('invalid_argument', `unmarshal into ${type.name}: ${why}`, { cause: e });
  }
}

export function encodeResponse<F extends Fields>(type: MessageType<F>, codec: Codec, msg: MessageOf<F>): RpcResponse {
  return codec === 'proto'
    ? { status: 200, headers: { 'content-type': CONTENT_TYPE.proto }, body: encodeBinary(type, msg) }
    : { status: 200, headers: { 'content-type': CONTENT_TYPE.json }, body: encodeJson(type, msg) };
}

export function errorResponse(e: ConnectFailure): RpcResponse {
  return {
    status: e.status,
    headers: { 'content-type': CONTENT_TYPE.json },
    body: JSON.stringify({ code: e.connectCode, message: e.message }),
  };
}

export const notFoundPath: RpcResponse = { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '404 page not found\n' };

export const methodNotAllowed: RpcResponse = { status: 405, headers: { allow: 'POST', 'content-type': 'text/plain; charset=utf-8' }, body: 'method not allowed\n' };

export const unsupportedMediaType: RpcResponse = {
  status: 415,
  headers: { 'accept-post': `${CONTENT_TYPE.json}, ${CONTENT_TYPE.proto}`, 'content-type': 'text/plain; charset=utf-8' },
  body: 'unsupported content type\n',
};

/** The Connect headers a request may carry, checked as connect-go checks them. */
export function checkConnectHeaders(req: RpcRequest): void {
  const version = req.header('connect-protocol-version');
  if (version !== undefined && version !== '1') {
    throw new ConnectFailure('invalid_argument', `connect-protocol-version must be "1": got ${JSON.stringify(version.slice(0, 40))}`);
  }
  const timeout = req.header('connect-timeout-ms');
  if (timeout !== undefined && !/^[0-9]{1,10}$/.test(timeout)) {
    throw new ConnectFailure('invalid_argument', `protocol error: invalid timeout ${JSON.stringify(timeout.slice(0, 40))}`);
  }
}
