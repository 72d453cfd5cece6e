/** The real HTTP client against a real loopback server that drips its answer. */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createHttpClient } from '../../src/host/http.ts';

describe('http client', () => {
  let server: Server;
  let url: string;
  const client = createHttpClient({ connections: 4 });
  before(async () => {
    // /drip: 10 bytes, one every 150 ms — never idle for long, but 1.5 s in all.
    server = createServer((req, res) => {
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
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/drip`;
  });
  after(async () => {
    await client.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('ends a narinfo that drips in past the request timeout', async () => {
    const t0 = performance.now();
    const res = await client.fetch(url, { signal: new AbortController().signal, timeoutMs: 500 });
    await assert.rejects(res.text(1000), (e: Error) => e.name === 'TimeoutError' && /no answer within 0.5 s/.test(e.message));
    assert.ok(performance.now() - t0 < 1200);
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
