/**
 * The Node adapter on a real loopback socket: small answers in one piece, streamed
 * bodies piped, and a client that leaves — before or during a stream — ends the
 * upstream read and leaves no request counted as active.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { describe, it } from 'node:test';
import type { Handler } from '../../src/server/handler.ts';
import { DEFAULT_MAX_CONNECTIONS, listen } from '../../src/server/node.ts';

/**
 * Waits for what the server does after the client is done (the socket's close reaching
 * it, the handler's finally). No count of polls or seconds decides: on a loaded machine
 * that is how this test failed. Only the test's timeout, a hang guard, ends the wait.
 */
const until = async (cond: () => boolean, what: string, signal: AbortSignal) => {
  while (!cond()) {
    if (signal.aborted) throw new Error(`still waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};
const HANG_GUARD = { timeout: 60_000 };

/**
 * A GET that reads the whole answer, or gives up (destroys its socket) at a point in
 * the exchange: once the first body chunk has arrived, or once `leave` resolves. Never
 * after a number of milliseconds: on a loaded machine the server may not have seen the
 * request by then.
 */
function get(url: string, leave?: 'after-first-chunk' | Promise<unknown>): Promise<{ status: number; headers: Record<string, unknown>; body: string } | 'left'> {
  return new Promise((resolve, reject) => {
    const goAway = () => {
      req.destroy();
      resolve('left');
    };
    const req = request(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        if (leave === 'after-first-chunk') goAway();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', () => resolve('left'));
    });
    req.on('error', (e) => (leave === undefined ? reject(e) : resolve('left')));
    if (leave instanceof Promise) void leave.then(goAway);
    req.end();
  });
}

describe('node adapter', () => {
  it('answers a string with its length, and pipes a stream through', HANG_GUARD, async (t) => {
    const handler: Handler = async (req) => req.target === '/text'
      ? { status: 200, headers: { 'content-type': 'text/plain' }, body: 'héllo\n' }
      : { status: 200, headers: { 'content-type': 'application/x-nix-nar' }, body: Readable.from([Buffer.from('NAR '), Buffer.from('BYTES')]) };
    const s = await listen(handler, { host: '127.0.0.1', port: 0 });
    try {
      const text = await get(`${s.url}/text`);
      assert.ok(text !== 'left');
      assert.equal(text.body, 'héllo\n');
      assert.equal(text.headers['content-length'], String(Buffer.byteLength('héllo\n')));
      const nar = await get(`${s.url}/nar`);
      assert.ok(nar !== 'left');
      assert.equal(nar.body, 'NAR BYTES');
      await until(() => s.active() === 0, 'both requests finished', t.signal);
    } finally {
      await s.close();
    }
  });

  it('ends the upstream read when the client leaves during a stream, or before it starts', HANG_GUARD, async (t) => {
    const upstreams: PassThrough[] = [];
    let signalled = 0;
    let lateArrived: () => void = () => undefined;
    const late = new Promise<void>((resolve) => (lateArrived = resolve));
    const handler: Handler = async (req) => {
      const body = new PassThrough();
      upstreams.push(body);
      if (req.target === '/late') {
        lateArrived();
        // The answer is ready only after the client has gone.
        await new Promise<void>((resolve) => req.signal.addEventListener('abort', () => {
          signalled += 1;
          resolve();
        }));
      } else body.write('first chunk, then nothing');
      return { status: 200, headers: {}, body };
    };
    const s = await listen(handler, { host: '127.0.0.1', port: 0 });
    try {
      assert.equal(await get(`${s.url}/during`, 'after-first-chunk'), 'left');
      assert.equal(await get(`${s.url}/late`, late), 'left', 'left while the handler was still working on the answer');
      await until(() => upstreams.length === 2 && upstreams.every((u) => u.destroyed), 'both upstream reads destroyed', t.signal);
      assert.equal(signalled, 1, 'the handler saw the client go');
      await until(() => s.active() === 0, 'no request left active (so --idle-exit can fire)', t.signal);
    } finally {
      await s.close();
    }
  });

  it('caps open connections: idle ones make room, a request in flight is kept, and /health answers', HANG_GUARD, async (t) => {
    assert.equal(DEFAULT_MAX_CONNECTIONS, 1024);
    let release = () => {};
    const slow = new Promise<void>((resolve) => { release = resolve; });
    const handler: Handler = async (req) => {
      if (req.target === '/slow') await slow;
      return { status: 200, headers: { 'content-type': 'text/plain' }, body: `${req.target}\n` };
    };
    const max = 8;
    const s = await listen(handler, { host: '127.0.0.1', port: 0 }, { maxConnections: max });
    const port = Number(new URL(s.url).port);
    const idle: Socket[] = [];
    let closedByServer = 0;
    let most = 0;
    try {
      const busy = get(`${s.url}/slow`);
      await until(() => s.active() === 1, 'the slow request is in flight', t.signal);
      // Far more idle connections than the cap, one after another: a bounded loop.
      for (let i = 0; i < 5 * max; i++) {
        const socket = connect(port, '127.0.0.1');
        socket.on('error', () => undefined);
        socket.once('close', () => { closedByServer += 1; });
        await once(socket, 'connect');
        idle.push(socket);
        await new Promise((r) => setImmediate(r));
        most = Math.max(most, s.connections());
      }
      assert.ok(most <= max, `at most ${max} connections open at once, saw ${most}`);
      await until(() => closedByServer >= 5 * max - max, 'the server closed the idle connections beyond the cap', t.signal);
      const health = await get(`${s.url}/health`);
      assert.ok(health !== 'left');
      assert.equal(health.status, 200);
      assert.equal(health.body, '/health\n');
      assert.equal(health.headers['keep-alive'], 'timeout=2', 'keep-alive is shortened while crowded');
      release();
      const done = await busy;
      assert.ok(done !== 'left', 'the request in flight was not cut off');
      assert.equal(done.body, '/slow\n');
    } finally {
      release();
      for (const socket of idle) socket.destroy();
      await s.close();
    }
  });
});
