/**
 * The real HTTP client behind Ops.fetch: undici with keep-alive connection pools,
 * so a closure of thousands of narinfos reuses a handful of sockets per cache.
 */
import { Agent, request } from 'undici';
import type { HttpRequest, HttpResponse } from '../ops.ts';

function isUndiciTimeout(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
}

export class BodyTooLargeError extends Error {
  readonly code = 'BODY_TOO_LARGE';
}

export interface HttpClient {
  fetch(url: string, req: HttpRequest): Promise<HttpResponse>;
  close(): Promise<void>;
}

/** `connections` bounds the sockets per origin; requests beyond it queue in undici. */
export function createHttpClient(opts: { connections: number; connectTimeoutMs?: number }): HttpClient {
  const agent = new Agent({
    connect: { timeout: opts.connectTimeoutMs ?? 10_000 },
    connections: opts.connections,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    pipelining: 1,
  });
  return {
    async fetch(url, req) {
      const started = performance.now();
      const timeout = () => Object.assign(new Error(`no answer within ${(req.timeoutMs ?? 0) / 1000} s`), { name: 'TimeoutError' });
      // undici's own timers, not an AbortSignal per request: thousands of those cost real time.
      const res = await request(url, {
        method: req.method ?? 'GET',
        headers: req.headers ?? {},
        signal: req.signal,
        dispatcher: agent,
        ...(req.timeoutMs !== undefined && { headersTimeout: req.timeoutMs, bodyTimeout: req.timeoutMs }),
      }).catch((e: unknown) => {
        throw isUndiciTimeout(e) ? Object.assign(timeout(), { cause: e }) : e;
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
        async text(maxBytes: number) {
          // bodyTimeout only bounds the gap between chunks; a body dripping in slowly
          // must still end within the request's time.
          const left = req.timeoutMs === undefined ? undefined : req.timeoutMs - (performance.now() - started);
          const timer = left === undefined ? undefined : setTimeout(() => body.destroy(timeout()), Math.max(0, left));
          const chunks: Buffer[] = [];
          let size = 0;
          try {
            for await (const chunk of body as AsyncIterable<Buffer>) {
              size += chunk.length;
              if (size > maxBytes) {
                body.destroy();
                throw new BodyTooLargeError(`response body is over ${maxBytes} bytes`);
              }
              chunks.push(chunk);
            }
          } finally {
            clearTimeout(timer);
          }
          return Buffer.concat(chunks).toString('utf8');
        },
        body() {
          return body as AsyncIterable<Uint8Array>;
        },
        async discard() {
          await body.dump().catch(() => undefined);
        },
      };
    },
    close: () => agent.close(),
  };
}
