/** The real HTTP client against a real loopback server that drips its answer. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createHttpClient } from '../../src/host/http.ts';
import { NetError } from '../../src/ops.ts';
import { startTestServer, type TestServer } from './test-server.ts';

describe('http client', () => {
  let srv: TestServer;
  let url: string;
  let base: string;
  const client = createHttpClient({ connections: 4 });
  before(async () => {
    srv = await startTestServer();
    base = srv.base;
    url = `${base}/drip`;
  });
  after(async () => {
    await client.close();
    await srv.close();
  });

  it('fetchText: reads a small body whole, whatever the status (protocols send errors in it)', async () => {
    const signal = new AbortController().signal;
    assert.deepEqual(await client.fetchText(`${base}/ok`, { signal, timeoutMs: 1000, maxBytes: 100 }), { status: 200, text: 'hello\n' });
    assert.deepEqual(await client.fetchText(`${base}/missing`, { signal, timeoutMs: 1000, maxBytes: 100 }), { status: 404, text: 'not found\n' });
  });

  it('fetchText: decodes a compressed narinfo, the limit applying to the decoded bytes', async () => {
    const signal = new AbortController().signal;
    assert.deepEqual(await client.fetchText(`${base}/gzip`, { signal, timeoutMs: 1000, maxBytes: 100 }), { status: 200, text: 'StorePath: x\n' });
    await assert.rejects(client.fetchText(`${base}/gzip-bomb`, { signal, timeoutMs: 1000, maxBytes: 1024 * 1024 }), (e) => e instanceof NetError && e.failure === 'too-large');
  });

  it('fetchBytes: POSTs a byte body and reads a binary answer of any status', async () => {
    const signal = new AbortController().signal;
    const r = await client.fetchBytes(`${base}/echo`, { method: 'POST', body: new Uint8Array([0, 1, 255]), signal, timeoutMs: 1000, maxBytes: 100 });
    assert.equal(r.status, 400);
    assert.equal(r.contentType, 'application/proto');
    assert.deepEqual([...r.bytes], [...Buffer.from('POST'), 0, 1, 255]);
  });

  it('names network failures with a NetError, not the client library\'s codes', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const e = await client.fetchText(`http://127.0.0.1:${port}/x`, { signal: new AbortController().signal, timeoutMs: 1000, maxBytes: 100 }).catch((x: unknown) => x);
    assert.ok(e instanceof NetError);
    assert.equal(e.failure, 'refused');
    assert.equal(e.message, 'connection refused');
  });

  it('fetchText: refuses a body over maxBytes, with or without a length', async () => {
    const signal = new AbortController().signal;
    for (const p of ['/big', '/big-chunked']) {
      await assert.rejects(client.fetchText(`${base}${p}`, { signal, timeoutMs: 1000, maxBytes: 1500 }), (e) => e instanceof NetError && e.failure === 'too-large');
    }
    assert.equal((await client.fetchText(`${base}/big-chunked`, { signal, timeoutMs: 1000, maxBytes: 2000 })).text.length, 2000);
  });

  // The timeout is a hang guard: a client that does not enforce its own waits forever on /hang.
  it('fetchText: ends a drip past the timeout, a server that never answers, and an aborted run', { timeout: 60_000 }, async () => {
    const signal = new AbortController().signal;
    const isTimeout = (e: Error) => e instanceof NetError && e.failure === 'timeout' && /no answer within 0.5 s/.test(e.message);
    await assert.rejects(client.fetchText(url, { signal, timeoutMs: 500, maxBytes: 100 }), isTimeout);
    // Ordering, not seconds: given up at 0.5 s, before the drip's last byte at 1.5 s.
    assert.equal(srv.dripsDone, 0, 'the drip ran to its end before the client gave up');
    await assert.rejects(client.fetchText(`${base}/hang`, { signal, timeoutMs: 500, maxBytes: 100 }), isTimeout);
    const run = new AbortController();
    const pending = client.fetchText(`${base}/hang`, { signal: run.signal, timeoutMs: 60_000, maxBytes: 100 });
    run.abort(new Error('deadline'));
    await assert.rejects(pending, /deadline/);
    await assert.rejects(client.fetchText(`${base}/ok`, { signal: run.signal, maxBytes: 100 }), /deadline/, 'already aborted: not sent');
  });

  it('fetchText: a request given up while it waits for a connection is never sent', async () => {
    const one = createHttpClient({ connections: 1 });
    try {
      const signal = new AbortController().signal;
      const first = one.fetchText(`${base}/slow`, { signal, timeoutMs: 5000, maxBytes: 100 });
      const run = new AbortController();
      const queued = one.fetchText(`${base}/count`, { signal: run.signal, timeoutMs: 5000, maxBytes: 100 });
      setTimeout(() => run.abort(new Error('deadline')), 50);
      await assert.rejects(queued, /deadline/);
      assert.deepEqual(await first, { status: 200, text: 'ok' });
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(srv.counted, 0, 'the abandoned request did not reach the server');
      assert.deepEqual(await one.fetchText(`${base}/count`, { signal, timeoutMs: 5000, maxBytes: 100 }), { status: 200, text: 'ok' });
      assert.equal(srv.counted, 1, 'and the connection still works');
    } finally {
      await one.close();
    }
  });

  it('lets a NAR stream run past the timeout while it keeps moving', async () => {
    const res = await client.fetch(url, { signal: new AbortController().signal, timeoutMs: 500 });
    const body = res.body();
    assert.ok(body);
    let bytes = 0;
    for await (const chunk of body) bytes += chunk.length;
    assert.equal(bytes, 10);
  });
});
