/**
 * node:http for small runs answers as undici does (http.test.ts has the same cases for
 * undici), and a client that starts small hands over to undici after its threshold.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createHttpClient } from '../../src/host/http.ts';
import { createSmallClient, createStartSmallHttpClient } from '../../src/host/http-small.ts';
import { NetError } from '../../src/ops.ts';

describe('http for small runs', () => {
  let server: Server;
  let base: string;
  let counted = 0;
  const ports: number[] = [];
  const small = createSmallClient({ connections: 4 });
  const text = (url: string, req: Parameters<typeof small.fetchBytes>[1]) =>
    small.fetchBytes(url, req).then((r) => ({ status: r.status, text: Buffer.from(r.bytes).toString('utf8') }));
  before(async () => {
    server = createServer((req, res) => {
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
      // /drip: 10 bytes, one every 150 ms.
      res.writeHead(200, { 'content-length': '10' });
      let n = 0;
      const timer = setInterval(() => {
        res.write('x');
        if (++n === 10) {
          clearInterval(timer);
          res.end();
        }
      }, 150);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    small.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const signal = new AbortController().signal;

  it('reads a small body whole, whatever the status, decoded, within the limit once decoded', async () => {
    assert.deepEqual(await text(`${base}/ok`, { signal, timeoutMs: 1000, maxBytes: 100 }), { status: 200, text: 'hello\n' });
    assert.deepEqual(await text(`${base}/missing`, { signal, timeoutMs: 1000, maxBytes: 100 }), { status: 404, text: 'not found\n' });
    assert.deepEqual(await text(`${base}/gzip`, { signal, timeoutMs: 1000, maxBytes: 100 }), { status: 200, text: 'StorePath: x\n' });
    await assert.rejects(text(`${base}/gzip-bomb`, { signal, timeoutMs: 1000, maxBytes: 1024 * 1024 }), (e) => e instanceof NetError && e.failure === 'too-large');
  });

  it('POSTs a byte body and reads a binary answer', async () => {
    const r = await small.fetchBytes(`${base}/echo`, { method: 'POST', body: new Uint8Array([0, 1, 255]), signal, timeoutMs: 1000, maxBytes: 100 });
    assert.equal(r.status, 400);
    assert.equal(r.contentType, 'application/proto');
    assert.deepEqual([...r.bytes], [...Buffer.from('POST'), 0, 1, 255]);
  });

  it('names failures with the NetErrors undici gets: refused, too large, cut off', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const e = await text(`http://127.0.0.1:${port}/x`, { signal, timeoutMs: 1000, maxBytes: 100 }).catch((x: unknown) => x);
    assert.ok(e instanceof NetError);
    assert.equal(e.failure, 'refused');
    assert.equal(e.message, 'connection refused');
    for (const p of ['/big', '/big-chunked']) {
      await assert.rejects(text(`${base}${p}`, { signal, timeoutMs: 1000, maxBytes: 1500 }), (x) => x instanceof NetError && x.failure === 'too-large');
    }
    assert.equal((await text(`${base}/big-chunked`, { signal, timeoutMs: 1000, maxBytes: 2000 })).text.length, 2000);
    await assert.rejects(text(`${base}/cut`, { signal, timeoutMs: 1000, maxBytes: 1000 }), (x) => x instanceof NetError && (x.failure === 'closed' || x.failure === 'reset'));
  });

  it('ends a drip past the timeout, a server that never answers, and an aborted run', { timeout: 60_000 }, async () => {
    const isTimeout = (e: Error) => e instanceof NetError && e.failure === 'timeout' && /no answer within 0.5 s/.test(e.message);
    await assert.rejects(text(`${base}/drip`, { signal, timeoutMs: 500, maxBytes: 100 }), isTimeout);
    await assert.rejects(text(`${base}/hang`, { signal, timeoutMs: 500, maxBytes: 100 }), isTimeout);
    const run = new AbortController();
    const pending = text(`${base}/hang`, { signal: run.signal, timeoutMs: 60_000, maxBytes: 100 });
    run.abort(new Error('deadline'));
    await assert.rejects(pending, (e) => e instanceof NetError && e.failure === 'aborted' && /deadline/.test(e.message));
    await assert.rejects(text(`${base}/ok`, { signal: run.signal, maxBytes: 100 }), /deadline/, 'already aborted: not sent');
  });

  it('a request given up while it waits for a connection is never sent', async () => {
    const one = createSmallClient({ connections: 1 });
    try {
      const first = one.fetchBytes(`${base}/slow`, { signal, timeoutMs: 5000, maxBytes: 100 });
      const run = new AbortController();
      const queued = one.fetchBytes(`${base}/count`, { signal: run.signal, timeoutMs: 5000, maxBytes: 100 });
      setTimeout(() => run.abort(new Error('deadline')), 50);
      await assert.rejects(queued, /deadline/);
      assert.equal((await first).status, 200);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(counted, 0, 'the abandoned request did not reach the server');
      assert.equal((await one.fetchBytes(`${base}/count`, { signal, timeoutMs: 5000, maxBytes: 100 })).status, 200);
      assert.equal(counted, 1, 'and the connection still works');
    } finally {
      one.close();
    }
  });

  it('starting small: node:http (no undici client made) up to the threshold, then undici on its own connections', async () => {
    let made = 0;
    const client = createStartSmallHttpClient({ connections: 1, threshold: 2, full: () => (made++, createHttpClient({ connections: 1 })) });
    try {
      ports.length = 0;
      for (let i = 0; i < 2; i++) assert.deepEqual(await client.fetchText(`${base}/ok`, { signal, timeoutMs: 1000, maxBytes: 100 }), { status: 200, text: 'hello\n' });
      assert.equal(made, 0, 'no undici client for a small run (http.ts loads undici with its first client)');
      for (let i = 0; i < 2; i++) assert.deepEqual(await client.fetchText(`${base}/ok`, { signal, timeoutMs: 1000, maxBytes: 100 }), { status: 200, text: 'hello\n' });
      assert.equal(made, 1);
      assert.equal(ports[0], ports[1], 'node:http keeps its connection alive');
      assert.equal(ports[2], ports[3], 'so does undici');
      assert.notEqual(ports[1], ports[2], 'undici has its own');
    } finally {
      await client.close();
    }
  });
});
