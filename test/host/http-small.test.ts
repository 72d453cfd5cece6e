/**
 * node:http for small runs answers as undici does (http.test.ts has the same cases for
 * undici), and a client that starts small hands over to undici after its threshold.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createHttpClient } from '../../src/host/http.ts';
import { createSmallClient, createStartSmallHttpClient } from '../../src/host/http-small.ts';
import { NetError } from '../../src/ops.ts';
import { startTestServer, type TestServer } from './test-server.ts';

describe('http for small runs', () => {
  let srv: TestServer;
  let base: string;
  const small = createSmallClient({ connections: 4 });
  const text = (url: string, req: Parameters<typeof small.fetchBytes>[1]) =>
    small.fetchBytes(url, req).then((r) => ({ status: r.status, text: Buffer.from(r.bytes).toString('utf8') }));
  before(async () => {
    srv = await startTestServer();
    base = srv.base;
  });
  after(async () => {
    small.close();
    await srv.close();
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
      assert.equal(srv.counted, 0, 'the abandoned request did not reach the server');
      assert.equal((await one.fetchBytes(`${base}/count`, { signal, timeoutMs: 5000, maxBytes: 100 })).status, 200);
      assert.equal(srv.counted, 1, 'and the connection still works');
    } finally {
      one.close();
    }
  });

  it('starting small: node:http (no undici client made) up to the threshold, then undici on its own connections', async () => {
    let made = 0;
    const client = createStartSmallHttpClient({ connections: 1, threshold: 2, full: () => (made++, createHttpClient({ connections: 1 })) });
    try {
      srv.ports.length = 0;
      for (let i = 0; i < 2; i++) assert.deepEqual(await client.fetchText(`${base}/ok`, { signal, timeoutMs: 1000, maxBytes: 100 }), { status: 200, text: 'hello\n' });
      assert.equal(made, 0, 'no undici client for a small run (http.ts loads undici with its first client)');
      for (let i = 0; i < 2; i++) assert.deepEqual(await client.fetchText(`${base}/ok`, { signal, timeoutMs: 1000, maxBytes: 100 }), { status: 200, text: 'hello\n' });
      assert.equal(made, 1);
      assert.equal(srv.ports[0], srv.ports[1], 'node:http keeps its connection alive');
      assert.equal(srv.ports[2], srv.ports[3], 'so does undici');
      assert.notEqual(srv.ports[1], srv.ports[2], 'undici has its own');
    } finally {
      await client.close();
    }
  });
});
