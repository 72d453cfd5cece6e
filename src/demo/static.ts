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
  close(): Promise<void>;
}

export async function serveDirectory(dir: string, port = 0): Promise<StaticCache> {
  const state = { delayMs: 0, failWith: undefined as number | undefined, requests: 0 };
  const texts = new Map<string, Buffer | null>();
  const server: Server = createServer((req, res) => {
    state.requests += 1;
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
    if (state.delayMs > 0) setTimeout(go, state.delayMs);
    else go();
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
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
  return cache;
}
