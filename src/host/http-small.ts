/**
 * HTTP for runs that may be small: `check` of a few paths makes a handful of requests,
 * and loading undici (http.ts) costs more than all of them (~150 ms; bench/check-one.ts).
 * The first `threshold` small bodies are read with node:http, already part of Node;
 * after that, and for every streamed body (a NAR), undici does the work. Both clients
 * give the same answers and the same NetErrors (test/host/http-small.test.ts).
 */
import type { Agent as NodeAgent, ClientRequest, IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { decodeBody } from './decode.ts';
import { createHttpClient, toNetError, type HttpClient } from './http.ts';
import { NetError, type BytesResponse, type HttpRequest } from '../ops.ts';

type Http = typeof import('node:http');

const load = createRequire(import.meta.url);

export interface SmallClientOptions {
  readonly connections: number;
  readonly connectTimeoutMs?: number;
}

/** Small bodies over node:http: keep-alive, `connections` sockets per origin. */
export function createSmallClient(opts: SmallClientOptions): { fetchBytes: HttpClient['fetchBytes']; close(): void } {
  const agents = new Map<string, NodeAgent>();
  const agentFor = (protocol: string): { mod: Http; agent: NodeAgent } => {
    // node:https (and TLS) only for an https URL.
    const mod = load(protocol === 'https:' ? 'node:https' : 'node:http') as Http;
    let agent = agents.get(protocol);
    if (agent === undefined) agents.set(protocol, (agent = new mod.Agent({ keepAlive: true, maxSockets: opts.connections })));
    return { mod, agent };
  };
  return {
    fetchBytes: (url, req) => readWhole(agentFor, url, req),
    close() {
      for (const a of agents.values()) a.destroy();
      agents.clear();
    },
  };
}

function readWhole(agentFor: (protocol: string) => { mod: Http; agent: NodeAgent }, url: string, req: HttpRequest & { readonly maxBytes: number }): Promise<BytesResponse> {
  return new Promise((resolve, reject) => {
    const { signal, maxBytes, timeoutMs } = req;
    if (signal.aborted) return reject(aborted(signal.reason));
    let u: URL;
    try {
      u = new URL(url);
    } catch (e) {
      return reject(toNetError(e, timeoutMs));
    }
    let done = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tooLarge = () => new NetError('too-large', `response body is over ${maxBytes} bytes`);
    const { mod, agent } = agentFor(u.protocol);
    const request: ClientRequest = mod.request(u, { method: req.method ?? 'GET', headers: req.headers ?? {}, agent }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      if (Number(res.headers['content-length']) > maxBytes) return fail(tooLarge());
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) fail(tooLarge());
        else chunks.push(chunk);
      });
      res.on('error', fail);
      res.on('close', () => {
        if (!res.complete) fail(Object.assign(new Error('connection closed by the server'), { code: 'UND_ERR_SOCKET' }));
      });
      res.on('end', () => {
        if (done) return;
        settle();
        try {
          const raw = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? null, bytes: decodeBody(res.headers['content-encoding'] ?? null, raw, maxBytes) });
        } catch (e) {
          reject(toNetError(e, timeoutMs));
        }
      });
    });
    function settle() {
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
    function fail(e: unknown) {
      if (done) return;
      settle();
      request.destroy();
      reject(toNetError(e, timeoutMs));
    }
    function onAbort() {
      fail(aborted(signal.reason));
    }
    signal.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined) timer = setTimeout(() => fail(new NetError('timeout', `no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    request.on('error', fail);
    request.end(req.body);
  });
}

function aborted(reason: unknown): NetError {
  return new NetError('aborted', reason instanceof Error ? reason.message : 'aborted', { cause: reason });
}

/**
 * The Ops HTTP of a run that starts small: node:http for the first `threshold` small
 * bodies, undici (loaded then) for the rest and for every stream.
 */
export function createStartSmallHttpClient(opts: SmallClientOptions & { readonly threshold: number; readonly full?: () => HttpClient }): HttpClient {
  const small = createSmallClient(opts);
  let big: HttpClient | undefined;
  let count = 0;
  const full = (): HttpClient => (big ??= (opts.full ?? (() => createHttpClient(opts)))());
  const useSmall = () => big === undefined && ++count <= opts.threshold;
  return {
    fetch: (url, req) => full().fetch(url, req),
    fetchBytes: (url, req) => (useSmall() ? small.fetchBytes(url, req) : full().fetchBytes(url, req)),
    fetchText: (url, req) => (useSmall() ? small.fetchBytes(url, req).then(text) : full().fetchText(url, req)),
    async close() {
      small.close();
      await big?.close();
    },
  };
}

function text(r: BytesResponse): { status: number; text: string } {
  return { status: r.status, text: Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength).toString('utf8') };
}
