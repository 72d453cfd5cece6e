/**
 * The loopback server both HTTP clients are tested against (http.test.ts for undici,
 * http-small.test.ts for node:http): one route per way an answer can go.
 *
 *   /ok /missing       a small body, 200 and 404
 *   /big /big-chunked  2,000 bytes, with a length and without
 *   /hang              never answers
 *   /cut               promises 100 bytes, sends 1, then drops the connection
 *   /gzip /gzip-bomb   compressed: a narinfo line, and 2 MB of zeros
 *   /echo              400 with the method and the request body
 *   /slow              "ok" after 300 ms
 *   /count             "ok", counted
 *   anything else      /drip: 10 bytes, one every 150 ms (never idle long, 1.5 s in all)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

export interface TestServer {
  readonly base: string;
  /** Requests to /count. */
  readonly counted: number;
  /** Drips that ran to their end. */
  readonly dripsDone: number;
  /** The client port of every request, in order (a test may empty it). */
  readonly ports: number[];
  close(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  let counted = 0;
  let dripsDone = 0;
  const ports: number[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '';
    ports.push(req.socket.remotePort ?? 0);
    if (path === '/ok') return void res.writeHead(200, { 'content-length': '6' }).end('hello\n');
    if (path === '/missing') return void res.writeHead(404, { 'content-length': '10' }).end('not found\n');
    if (path === '/big') return void res.writeHead(200, { 'content-length': '2000' }).end('x'.repeat(2000));
    if (path === '/big-chunked') {
      res.writeHead(200);
      res.write('x'.repeat(1000));
      return void res.end('x'.repeat(1000));
    }
    if (path === '/hang') return;
    if (path === '/cut') {
      res.writeHead(200, { 'content-length': '100' });
      res.write('x');
      return void setTimeout(() => res.destroy(), 20);
    }
    if (path === '/gzip') return void res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('StorePath: x\n'));
    if (path === '/gzip-bomb') return void res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(Buffer.alloc(2_000_000)));
    if (path === '/echo') {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      return void req.on('end', () => res.writeHead(400, { 'content-type': 'application/proto' }).end(Buffer.concat([Buffer.from(req.method ?? ''), ...parts])));
    }
    if (path === '/slow') return void setTimeout(() => res.writeHead(200, { 'content-length': '2' }).end('ok'), 300);
    if (path === '/count') {
      counted += 1;
      return void res.writeHead(200, { 'content-length': '2' }).end('ok');
    }
    res.writeHead(200, { 'content-length': '10' });
    let n = 0;
    const timer = setInterval(() => {
      res.write('x');
      if (++n === 10) {
        clearInterval(timer);
        dripsDone += 1;
        res.end();
      }
    }, 150);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get counted() { return counted; },
    get dripsDone() { return dripsDone; },
    ports,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
