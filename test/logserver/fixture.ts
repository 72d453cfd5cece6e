/** Test logs: a database under a temporary directory, signed with e2e_log.json's key; requests for the handler. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NIX_PROTOCOL, decodeBinary, decodeJson, encodeBinary, encodeJson } from '../../src/trustix/index.ts';
import type { Fields, MessageOf, Procedure, Protocol } from '../../src/trustix/index.ts';
import { openLog, writeFirstHead } from '../../src/logserver/log.ts';
import type { Item, OpenLog } from '../../src/logserver/log.ts';
import { parseLogSecret } from '../../src/logserver/state.ts';
import { createLogDb } from '../../src/logserver/store.ts';
import type { RpcHandler } from '../../src/logserver/handler.ts';
import type { RpcResponse } from '../../src/logserver/wire.ts';
import { loadVectors, utf8 } from '../merkle/data.ts';

export interface E2eBatch { items: Array<{ Key_utf8: string; Value_utf8: string }> }
export interface E2e {
  key: { ed25519_seed_hex: string; private_key_file_contents: string; log_id: string };
  submit_batch_1: E2eBatch;
  submit_batch_2: E2eBatch;
}
export const E2E = loadVectors<E2e>('e2e_log.json');
export const SECRET = parseLogSecret(E2E.key.private_key_file_contents, 'e2e key');
export const itemsOf = (b: E2eBatch): Item[] => b.items.map((i) => ({ key: utf8(i.Key_utf8), value: utf8(i.Value_utf8) }));

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A new log at `file`, open, with the maps of its latest `history` heads provable. */
export function newLog(file: string, history = 64, protocol: Protocol = NIX_PROTOCOL): OpenLog {
  createLogDb(file, protocol, SECRET.key, (db) => writeFirstHead(db, SECRET.sign));
  return openLog(file, { history });
}

export type Codec = 'json' | 'proto';

export function request(path: string, body: Uint8Array | string, headers: Record<string, string> = {}, method = 'POST') {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method, path, body: typeof body === 'string' ? utf8(body) : body, header: (n: string) => lower[n] };
}

export function encode<F extends Fields>(p: Procedure<F, Fields>, msg: MessageOf<F>, codec: Codec): Uint8Array {
  return codec === 'json' ? utf8(encodeJson(p.request, msg)) : encodeBinary(p.request, msg);
}

export const contentType = (codec: Codec): string => (codec === 'json' ? 'application/json' : 'application/proto');

/** Calls one procedure through the handler; the decoded answer on 200, else the raw response. */
export function call<Req extends Fields, Res extends Fields>(
  h: RpcHandler, p: Procedure<Req, Res>, msg: MessageOf<Req>, codec: Codec = 'json', headers: Record<string, string> = {},
): { res: RpcResponse; msg?: MessageOf<Res> } {
  const res = h(request(p.path, encode(p as unknown as Procedure<Req, Fields>, msg, codec), { 'content-type': contentType(codec), ...headers }));
  if (res.status !== 200) return { res };
  const body = typeof res.body === 'string' ? res.body : res.body;
  const out = codec === 'json' ? decodeJson(p.response, typeof body === 'string' ? body : new TextDecoder().decode(body)) : decodeBinary(p.response, body as Uint8Array);
  return { res, msg: out };
}
