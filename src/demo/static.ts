/**
 * A static file server for a binary-cache directory on 127.0.0.1, with switches the
 * tests use to make a cache misbehave: answer slowly, or fail with a status.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';

export interface StaticCache {
  readonly url: string;
  readonly port: number;
  /** Milliseconds added before every answer. */
  delayMs: number;
  /** When set, every request gets this status. */
  failWith: number | undefined;
  requests: number;
  /** Called as each request arrives (before any delay), e.g. to time a run from inside it. */
  onRequest: ((target: string) => void) | undefined;
  close(): Promise<void>;
}

export async function serveDirectory(dir: string, port = 0): Promise<StaticCache> {
  const state = { delayMs: 0, failWith: undefined as number | undefined, requests: 0, onRequest: undefined as ((target: string) => void) | undefined };
  const texts = new Map<string, Buffer | null>();
  // Answers still waiting out delayMs: close() drops them, so they keep no process alive.
  const delayed = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    state.requests += 1;
    state.onRequest?.(req.url ?? '/');
    const answer = async () => {
      if (state.failWith !== undefined) return void res.writeHead(state.failWith).end();
      const rel = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
      const file = join(dir, rel);
      const small = file.endsWith('.narinfo') || file.endsWith('nix-cache-info');
      if (small && file.startsWith(dir)) {
        // A cache's metadata is read once: the files do not change while they are served.
        const body = texts.get(file) ?? (await readFile(file).catch(() => null));
        texts.set(file, body);
        if (body === null) return void res.writeHead(404).end();
        res.writeHead(200, { 'content-length': body.length, 'content-type': 'text/x-nix-narinfo' });
        return void res.end(req.method === 'HEAD' ? undefined : body);
      }
      const st = await stat(file).catch(() => undefined);
      if (!file.startsWith(dir) || st === undefined || !st.isFile()) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-length': st.size, 'content-type': file.endsWith('.narinfo') ? 'text/x-nix-narinfo' : 'application/octet-stream' });
      if (req.method === 'HEAD') return void res.end();
      createReadStream(file).pipe(res);
    };
    const go = () => void answer().catch(() => res.destroy());
    if (state.delayMs > 0) {
      const timer = setTimeout(() => {
        delayed.delete(timer);
        go();
      }, state.delayMs);
      delayed.add(timer);
    } else go();
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  const cache: StaticCache = {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    get delayMs() { return state.delayMs; },
    set delayMs(v) { state.delayMs = v; },
    get failWith() { return state.failWith; },
    set failWith(v) { state.failWith = v; },
    get requests() { return state.requests; },
    set requests(v) { state.requests = v; },
    get onRequest() { return state.onRequest; },
    set onRequest(v) { state.onRequest = v; },
    close: () => new Promise<void>((resolve) => {
      for (const t of delayed) clearTimeout(t);
      delayed.clear();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  return cache;
}
