/**
 * The real HTTP client behind Ops.fetch and Ops.fetchText: undici with keep-alive
 * connection pools, so a closure of thousands of narinfos reuses a handful of sockets
 * per cache. Narinfos are read whole through undici's dispatch API, NARs stream.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { Agent as UndiciAgent, Dispatcher } from 'undici';
import { decodeBody } from './decode.ts';
import { NetError, type BytesResponse, type HttpRequest, type HttpResponse, type NetFailure, type TextResponse } from '../ops.ts';

// undici's index also loads fetch, WebSocket, EventSource, mocks and the cache API:
// 8 MB of RSS that serve, with its 150 MB peak target, never uses. These two modules
// are all this client needs (they are what the index's Agent and request() are made
// of); the lock file pins the version, and every test that talks HTTP loads them.
// They load with the first client, not with this module: a small check never makes one
// (http-small.ts).
const load = createRequire(import.meta.url);
type Request = (this: Dispatcher, opts: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;
let undici: { readonly Agent: typeof UndiciAgent; readonly request: Request } | undefined;
const loadUndici = () => (undici ??= {
  Agent: load('undici/lib/dispatcher/agent.js') as typeof UndiciAgent,
  request: load('undici/lib/api/api-request.js') as Request,
});

type Overdue = ReturnType<typeof createOverdue>;

const SWEEP_MS = 100;

function timeoutAfter(ms: number | undefined, cause?: unknown): NetError {
  return new NetError('timeout', `no answer within ${(ms ?? 0) / 1000} s`, { cause });
}

function abortError(reason: unknown): NetError {
  return new NetError('aborted', reason instanceof Error ? reason.message : 'aborted', { cause: reason });
}

const FAILURES: Record<string, [NetFailure, string]> = {
  ECONNREFUSED: ['refused', 'connection refused'],
  EHOSTUNREACH: ['unreachable', 'host unreachable'],
  ENETUNREACH: ['unreachable', 'network unreachable'],
  ENOTFOUND: ['unreachable', 'host not found'],
  EAI_AGAIN: ['unreachable', 'host name lookup failed'],
  ECONNRESET: ['reset', 'connection reset'],
  EPIPE: ['reset', 'connection reset'],
  UND_ERR_SOCKET: ['closed', 'connection closed by the server'],
  UND_ERR_CONNECT_TIMEOUT: ['timeout', 'connect timed out'],
  UND_ERR_HEADERS_TIMEOUT: ['timeout', 'no headers in time'],
  UND_ERR_BODY_TIMEOUT: ['timeout', 'body stalled'],
};

/** undici's and Node's errors as the NetError every core understands. */
export function toNetError(e: unknown, timeoutMs?: number): NetError {
  if (e instanceof NetError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  const known = typeof code === 'string' ? FAILURES[code] : undefined;
  if (known?.[0] === 'timeout' && code !== 'UND_ERR_CONNECT_TIMEOUT') return timeoutAfter(timeoutMs, e);
  if (known !== undefined) return new NetError(known[0], known[1], { cause: e });
  if (e instanceof Error && e.name === 'AbortError') return new NetError('aborted', e.message, { cause: e });
  const message = e instanceof Error ? (e.message.split('\n')[0] ?? e.name) : String(e);
  return new NetError('other', message, { cause: e });
}

/**
 * One small body, gathered from undici's dispatch callbacks: no body stream, async
 * iterator or timer per request (85 → 30 µs of CPU). It ends, whichever comes first,
 * with the whole body, over maxBytes, at the request's time (one sweep watches all),
 * or when the run's signal aborts.
 */
function readWhole(agent: UndiciAgent, overdue: Overdue, url: string, req: HttpRequest & { readonly maxBytes: number }): Promise<BytesResponse> {
  return new Promise((resolve, reject) => {
    const signal = lightSignal(req.signal);
    const chunks: Buffer[] = [];
    let status = 0;
    let contentType: string | null = null;
    let encoding: string | null = null;
    let size = 0;
    let controller: Dispatcher.DispatchController | undefined;
    let watched: Watched | undefined;
    let done = false;
    const settle = () => {
      done = true;
      signal.removeListener('abort', onAbort);
      if (watched !== undefined) overdue.unwatch(watched);
    };
    const fail = (e: Error) => {
      if (done) return;
      settle();
      reject(toNetError(e, req.timeoutMs));
    };
    const stop = (e: Error) => (controller === undefined ? fail(e) : controller.abort(e));
    const onAbort = () => stop(abortError(signal.reason));
    const tooLarge = () => new NetError('too-large', `response body is over ${req.maxBytes} bytes`);
    if (signal.aborted) return reject(abortError(signal.reason));
    signal.once('abort', onAbort);
    if (req.timeoutMs !== undefined) watched = overdue.watch(performance.now() + req.timeoutMs, () => stop(timeoutAfter(req.timeoutMs)));
    const { origin, path } = splitUrl(url);
    try {
      agent.dispatch({
        origin, path, method: req.method ?? 'GET', headers: req.headers ?? {},
        ...(req.body !== undefined && { body: req.body }),
        ...(req.timeoutMs !== undefined && { headersTimeout: req.timeoutMs, bodyTimeout: req.timeoutMs }),
      }, {
        onRequestStart(c) {
          controller = c;
          // Given up on while it waited for a connection: do not send it at all.
          if (done) c.abort(abortError(signal.reason));
        },
        onResponseStart(c, statusCode, headers) {
          status = statusCode;
          const type = headers['content-type'];
          contentType = typeof type === 'string' ? type : null;
          const enc = headers['content-encoding'];
          encoding = typeof enc === 'string' ? enc : null;
          if (Number(headers['content-length']) > req.maxBytes) c.abort(tooLarge());
        },
        onResponseData(c, chunk) {
          size += chunk.length;
          if (size > req.maxBytes) c.abort(tooLarge());
          else chunks.push(chunk);
        },
        onResponseEnd() {
          if (done) return;
          settle();
          const raw = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
          try {
            resolve({ status, contentType, bytes: decodeBody(encoding, raw, req.maxBytes) });
          } catch (e) {
            reject(toNetError(e, req.timeoutMs));
          }
        },
        onResponseError: (_c, e) => fail(e),
      });
    } catch (e) {
      fail(e instanceof Error ? e : new Error(String(e)));
    }
  });
}

function utf8(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
}

/** "http://host:port/a/b?c" → origin and path, as undici's dispatch takes them. */
function splitUrl(url: string): { origin: string; path: string } {
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  return slash < 0 ? { origin: url, path: '/' } : { origin: url.slice(0, slash), path: url.slice(slash) };
}

type Emitted = EventEmitter & { aborted: boolean; reason?: unknown };
const emitters = new WeakMap<AbortSignal, Emitted>();

/**
 * The same abort, as an EventEmitter (undici takes either): thousands of requests
 * share one deadline signal, and an EventTarget listener added and removed per
 * request cost a fifth of the request.
 */
function lightSignal(signal: AbortSignal): Emitted {
  let e = emitters.get(signal);
  if (e === undefined) {
    const made: Emitted = Object.assign(new EventEmitter(), { aborted: signal.aborted, reason: signal.reason as unknown });
    made.setMaxListeners(0);
    signal.addEventListener('abort', () => {
      made.aborted = true;
      made.reason = signal.reason;
      made.emit('abort');
    }, { once: true });
    emitters.set(signal, (e = made));
  }
  return e;
}

export interface HttpClient {
  fetch(url: string, req: HttpRequest): Promise<HttpResponse>;
  fetchText(url: string, req: HttpRequest & { readonly maxBytes: number }): Promise<TextResponse>;
  fetchBytes(url: string, req: HttpRequest & { readonly maxBytes: number }): Promise<BytesResponse>;
  close(): Promise<void>;
}

/** `connections` bounds the sockets per origin; requests beyond it queue in undici. */
export function createHttpClient(opts: { connections: number; connectTimeoutMs?: number }): HttpClient {
  const { Agent, request } = loadUndici();
  const overdue = createOverdue();
  const agent = new Agent({
    connect: { timeout: opts.connectTimeoutMs ?? 10_000 },
    connections: opts.connections,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    pipelining: 1,
  });
  return {
    async fetch(url, req) {
      // undici's own timers, not an AbortSignal per request: thousands of those cost real time.
      const { origin, path } = splitUrl(url);
      const res = await request.call(agent, {
        origin, path,
        method: req.method ?? 'GET',
        headers: req.headers ?? {},
        signal: lightSignal(req.signal),
        ...(req.body !== undefined && { body: req.body }),
        ...(req.timeoutMs !== undefined && { headersTimeout: req.timeoutMs, bodyTimeout: req.timeoutMs }),
      }).catch((e: unknown) => {
        throw toNetError(e, req.timeoutMs);
      });
      const body = res.body;
      return {
        status: res.statusCode,
        headers: {
          get(name: string) {
            const v = res.headers[name.toLowerCase()];
            return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
          },
        },
        body() {
          return body as AsyncIterable<Uint8Array>;
        },
        async discard() {
          await body.dump().catch(() => undefined);
        },
      };
    },
    fetchText: (url, req) => readWhole(agent, overdue, url, req).then((r) => ({ status: r.status, text: utf8(r.bytes) })),
    fetchBytes: (url, req) => readWhole(agent, overdue, url, req),
    close: async () => {
      overdue.stop();
      await agent.close();
    },
  };
}

interface Watched { readonly until: number; readonly expire: () => void }

/**
 * Reads that must end by a time, checked by one sweep every 100 ms while any are
 * pending: a timer per narinfo cost more than parsing it.
 */
function createOverdue(): { watch(until: number, expire: () => void): Watched; unwatch(w: Watched): void; stop(): void } {
  const watched = new Set<Watched>();
  let sweeper: NodeJS.Timeout | undefined;
  const sweep = () => {
    const now = performance.now();
    for (const w of watched) {
      if (w.until > now) continue;
      watched.delete(w);
      w.expire();
    }
    if (watched.size === 0) stop();
  };
  const stop = () => {
    clearInterval(sweeper);
    sweeper = undefined;
  };
  return {
    watch(until, expire) {
      const w = { until, expire };
      watched.add(w);
      sweeper ??= setInterval(sweep, SWEEP_MS).unref();
      return w;
    },
    unwatch: (w) => void watched.delete(w),
    stop,
  };
}
