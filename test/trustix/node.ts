/**
 * A small Trustix node for tests: Connect unary over HTTP/1.1 on 127.0.0.1, both
 * codecs (application/proto and application/json, answered in the codec asked),
 * Connect JSON error bodies, serving the logs of in-memory Publishers (publisher.ts)
 * the way SPEC §1.6 describes a Go node — except that, unless told to answer like
 * Go (`absent = 'error'`), it proves a key's absence with an empty Value and a
 * non-membership proof, and it proves against any map root it has signed.
 *
 * Lying is done from the outside: `headIndex` serves an older head (a rollback),
 * swapping the Publisher of a log makes a fork, and `tamper` sees every decoded
 * answer before it is encoded and may change it, answer a refused call, or reply
 * with raw bytes.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toHex } from '../../src/merkle/index.ts';
import {
  CONTENT_TYPE, NIX_PROTOCOL, PROCEDURES, decodeBinary, decodeJson, deriveLogId, encodeBinary, encodeJson, toWireHead,
} from '../../src/trustix/index.ts';
import type { Fields, MessageOf, MessageType, ProcedureName } from '../../src/trustix/index.ts';
import type { Publisher } from './publisher.ts';

export interface RawReply {
  readonly raw: true;
  readonly status: number;
  readonly contentType?: string;
  readonly body: Uint8Array | string;
}

type Obj = Record<string, unknown>;
/** Sees each request and the honest answer ({} when the node refused); returns a changed answer, raw bytes, or undefined for no change. */
export type Tamper = (procedure: ProcedureName, request: Obj, response: Obj) => Obj | RawReply | undefined;

const isRaw = (x: Obj | RawReply | undefined): x is RawReply => x !== undefined && x['raw'] === true;

class Refusal extends Error {
  constructor(readonly status: number, readonly connectCode: string, message: string) {
    super(message);
  }
}

const byPath = new Map(Object.entries(PROCEDURES).map(([name, p]) => [p.path, name as ProcedureName]));

export class TestNode {
  /** The logs this node publishes, by log ID. */
  readonly logs = new Map<string, Publisher>();
  /** Serve this head of a log (an index into its Publisher's heads) instead of the latest. */
  readonly headIndex = new Map<string, number>();
  /** 'prove': an absent key gets an empty Value and a proof; 'error': Go's "Map value not found". */
  absent: 'prove' | 'error' = 'prove';
  tamper: Tamper | undefined;
  /** Every procedure called, in order, with the codec it was called in. */
  readonly calls: string[] = [];

  private constructor(readonly url: string, private readonly stop: () => Promise<void>) {}

  static async start(): Promise<TestNode> {
    const self: { node?: TestNode } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const reply = self.node!.handle(req.method ?? 'GET', req.url ?? '/', req.headers['content-type'] ?? '', Buffer.concat(chunks));
        res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'text/plain', ...(reply.headers ?? {}) }).end(reply.body);
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    self.node = new TestNode(url, () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }));
    return self.node;
  }

  /** Publishes a log under the ID its key has for protocol nix; returns that ID. */
  publish(p: Publisher): string {
    const id = deriveLogId(NIX_PROTOCOL, p.key);
    this.logs.set(id, p);
    return id;
  }

  close(): Promise<void> {
    return this.stop();
  }

  private handle(method: string, path: string, contentType: string, body: Uint8Array): { status: number; contentType?: string; body: Uint8Array | string; headers?: Record<string, string> } {
    const name = byPath.get(path);
    if (name === undefined) return { status: 404, body: '404 page not found\n' };
    if (method !== 'POST') return { status: 405, body: 'Method Not Allowed\n', headers: { allow: 'POST' } };
    const codec = contentType.split(';')[0]!.trim() === CONTENT_TYPE.json ? 'json' : contentType === CONTENT_TYPE.proto ? 'proto' : undefined;
    if (codec === undefined) return { status: 415, body: '', headers: { 'accept-post': 'application/json, application/proto' } };
    this.calls.push(`${name} ${codec}`);
    const proc = PROCEDURES[name];
    const reqType = proc.request as MessageType<Fields>;
    const resType = proc.response as MessageType<Fields>;
    try {
      let request: Obj;
      try {
        request = codec === 'json' ? decodeJson(reqType, Buffer.from(body).toString('utf8')) : decodeBinary(reqType, body);
      } catch (e) {
        throw new Refusal(400, 'invalid_argument', (e as Error).message);
      }
      // The honest answer (or refusal); tamper may replace either.
      let response: Obj | undefined;
      let refusal: unknown;
      try {
        response = this.answer(name, request);
      } catch (e) {
        refusal = e;
      }
      const changed = this.tamper?.(name, request, response ?? {});
      if (isRaw(changed)) return { status: changed.status, body: changed.body, ...(changed.contentType !== undefined && { contentType: changed.contentType }) };
      if (changed !== undefined) response = changed as Obj;
      else if (response === undefined) throw refusal;
      const msg = response as MessageOf<Fields>;
      return codec === 'json'
        ? { status: 200, contentType: CONTENT_TYPE.json, body: encodeJson(resType, msg) }
        : { status: 200, contentType: CONTENT_TYPE.proto, body: encodeBinary(resType, msg) };
    } catch (e) {
      const r = e instanceof Refusal ? e : new Refusal(500, 'unknown', String(e));
      return { status: r.status, contentType: 'application/json', body: JSON.stringify({ code: r.connectCode, message: r.message }) };
    }
  }

  private log(id: unknown): { pub: Publisher; top: number } {
    const pub = this.logs.get(String(id));
    if (pub === undefined) throw new Refusal(500, 'unknown', `Log with ID '${String(id)}' is not published`);
    return { pub, top: this.headIndex.get(String(id)) ?? pub.heads.length - 1 };
  }

  private answer(name: ProcedureName, req: Obj): Obj {
    switch (name) {
      case 'NodeAPI.Logs':
        return {
          Logs: [...this.logs].map(([id, p]) => ({
            LogID: id, Mode: 'Log', Protocol: NIX_PROTOCOL.id, Signer: { KeyType: 'ed25519', Public: p.key.base64 }, Meta: {},
          })),
        };
      case 'NodeAPI.GetValue': {
        for (const p of this.logs.values()) {
          const v = p.value(req['Digest'] as Uint8Array);
          if (v !== undefined) return { Value: v };
        }
        throw new Refusal(500, 'unknown', 'Object not found');
      }
      case 'LogAPI.GetHead': {
        const { pub, top } = this.log(req['LogID']);
        return toWireHead(pub.heads[top]!);
      }
      case 'LogAPI.GetLogConsistencyProof':
      case 'LogAPI.GetMHLogConsistencyProof': {
        const { pub, top } = this.log(req['LogID']);
        const mh = name === 'LogAPI.GetMHLogConsistencyProof';
        const [first, second] = [Number(req['FirstSize']), Number(req['SecondSize'])];
        const size = Number(mh ? pub.heads[top]!.mhTreeSize : pub.heads[top]!.treeSize);
        if (second > size) throw new Refusal(500, 'unknown', `size ${second} is past the log's ${size}`);
        if (first === 0 || first >= second) return { Proof: [] };
        return { Proof: mh ? pub.mhConsistency(first, second) : pub.consistency(first, second) };
      }
      case 'LogAPI.GetMapValue': {
        const { pub, top } = this.log(req['LogID']);
        const root = toHex(req['MapRoot'] as Uint8Array);
        const at = pub.heads.slice(0, top + 1).findLastIndex((h) => toHex(h.mapRoot) === root);
        if (at < 0) throw new Refusal(500, 'unknown', 'Object not found');
        const res = pub.mapValue(req['Key'] as Uint8Array, at);
        if (res.Value.length === 0 && this.absent === 'error') throw new Refusal(500, 'unknown', 'Map value not found');
        return res;
      }
      case 'LogAPI.GetLogEntries': {
        const { pub, top } = this.log(req['LogID']);
        const [start, finish] = [Number(req['Start']), Number(req['Finish'])];
        if (finish < start || finish >= Number(pub.heads[top]!.treeSize)) throw new Refusal(500, 'unknown', `no leaves ${start}..${finish}`);
        return { Leaves: pub.leaves.slice(start, finish + 1) };
      }
      default:
        throw new Refusal(404, 'unimplemented', `${name} is not served by this test node`);
    }
  }
}
