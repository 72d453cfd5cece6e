/** The server's pure parts and its fetch handler, driven with Request objects (no sockets). */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Claim, Upstream } from '../../src/claims.ts';
import {
  checkNarInfoSig, encodeNix32, generateSecretKey, hashPartOf, parseNarInfo, parseSecretKey,
} from '../../src/nixfmt/index.ts';
import { createHandler, toFetch } from '../../src/server/handler.ts';
import { createMetrics } from '../../src/server/metrics.ts';
import { servedNarInfo, type Source } from '../../src/server/narinfo.ts';
import { route } from '../../src/server/routes.ts';
import type { Answered, Offers } from '../../src/server/offers.ts';
import { claim, fakeOps, path } from '../engine/fakes.ts';

const key = parseSecretKey(generateSecretKey('serve-test-1').secret);
const lib = path('lib', 1);
const app = path('app', 2);
const winner: Claim = { ...claim(app, '1', [lib, app]), log: 'a', proof: { kind: 'sample' } };
const upstream: Upstream = { url: 'http://127.0.0.1:1', narUrl: 'nar/abc.nar.xz', compression: 'xz', fileHash: `sha256:${'0'.repeat(52)}`, fileSize: 42 };
const source: Source = { index: 1, baseUrl: 'http://127.0.0.1:1', upstream };

describe('routes', () => {
  for (const [method, p, want] of [
    ['GET', '/nix-cache-info', 'cache-info'],
    ['HEAD', `/${hashPartOf(app)}.narinfo`, 'narinfo'],
    ['GET', `/nar/${hashPartOf(app)}-${'0'.repeat(52)}-0.nar.xz`, 'nar'],
    ['GET', `/nar/${hashPartOf(app)}-${'0'.repeat(52)}-0.nar`, 'nar'],
    ['GET', `/${hashPartOf(app).slice(1)}.narinfo`, 404],
    ['GET', `/${hashPartOf(app).replace(/^./, 'e')}.narinfo`, 404],
    ['GET', `/nar/${hashPartOf(app)}-${'0'.repeat(52)}-0.nar.exe`, 404],
    ['GET', '/etc/passwd', 404],
    ['POST', '/nix-cache-info', 405],
    ['HEAD', '/metrics', 405],
    ['GET', '/policy/strict/nix-cache-info', 'cache-info strict'],
    ['GET', `/policy/strict/${hashPartOf(app)}.narinfo`, 'narinfo strict'],
    ['GET', `/policy/strict/nar/${hashPartOf(app)}-${'0'.repeat(52)}-0.nar.xz`, 'nar strict'],
    ['GET', '/policy/strict/metrics', 404],
    ['GET', '/policy/../nix-cache-info', 404],
    ['GET', '/policy//nix-cache-info', 404],
  ] as const) {
    it(`${method} ${p.slice(0, 50)} → ${want}`, () => {
      const r = route(method, p);
      const got = 'route' in r ? `${r.route.kind}${'policy' in r.route && r.route.policy !== '' ? ` ${r.route.policy}` : ''}` : r.status;
      assert.deepEqual(got, want);
    });
  }
});

describe('served narinfo', () => {
  it('carries the voted facts, routes back to this server, and verifies with the server key', () => {
    const text = servedNarInfo(winner, source, key);
    const info = parseNarInfo(text);
    assert.equal(info.narHash, winner.narHash);
    assert.deepEqual(info.references, winner.references);
    assert.equal(info.compression, 'xz');
    assert.equal(info.fileSize, 42);
    assert.match(text, new RegExp(`^References: ${lib.slice(11)} ${app.slice(11)}$`, 'm'), 'base names, as Nix wants');
    assert.equal(checkNarInfoSig(info, key.publicKey), 'valid');
    const r = route('GET', `/${info.url}`);
    assert.ok('route' in r && r.route.kind === 'nar' && r.route.upstream === 1 && r.route.narHash === winner.narHash);
  });
});

function handlerWith(served: Partial<Answered> | Error, upstream?: (url: string) => Response) {
  const ops = fakeOps();
  const fetched: string[] = [];
  ops.fetch = async (url) => {
    fetched.push(url);
    const res = upstream?.(url) ?? new Response('', { status: 404 });
    return {
      status: res.status,
      headers: res.headers,
      body: () => (res.body ?? (async function* () {})()) as AsyncIterable<Uint8Array>,
      discard: async () => void (await res.body?.cancel()),
    };
  };
  const prefetched: string[] = [];
  const offers: Offers = {
    hasPolicy: (name) => name === '' || name === 'strict',
    forHashPart: (_h, name = '') => {
      if (name !== '' && name !== 'strict') return undefined;
      if (served instanceof Error) return Promise.reject(served);
      return Promise.resolve({ narinfo: undefined, nars: [], wouldReject: false, why: `the vote was lost${name === '' ? '' : ` under ${name}`}`, ...served });
    },
    prefetch: (ps) => void prefetched.push(...ps),
  };
  const plain = createHandler({ offers, ops, metrics: createMetrics(), priority: 30, timeoutMs: 1000, report: () => ({ total: 0 }) });
  return { handler: toFetch(plain), plain, fetched, prefetched };
}

const get = (p: string, method = 'GET') => new Request(`http://127.0.0.1${p}`, { method });

describe('handler', () => {
  it('answers a named policy under /policy/<name>/, and names a policy nobody configured', async () => {
    const { handler } = handlerWith({});
    const named = await handler(get(`/policy/strict/${hashPartOf(app)}.narinfo`));
    assert.equal(named.status, 404);
    assert.equal(await named.text(), 'the vote was lost under strict\n');
    assert.equal((await handler(get('/policy/strict/nix-cache-info'))).status, 200);
    const nope = await handler(get(`/policy/nope/${hashPartOf(app)}.narinfo`));
    assert.equal(nope.status, 404);
    assert.match(await nope.text(), /no policy named "nope" is configured here \(\[policy\.nope\] in the config\)/);
    assert.equal((await handler(get('/policy/nope/nix-cache-info'))).status, 404);
  });

  it('answers nix-cache-info', async () => {
    const res = await handlerWith({}).handler(get('/nix-cache-info'));
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^StoreDir: \/nix\/store\nWantMassQuery: 1\nPriority: 30\n$/);
  });

  it('serves a winning narinfo, and the same status for HEAD', async () => {
    const text = servedNarInfo(winner, source, key);
    const { handler } = handlerWith({ narinfo: text, why: '2 of 3 logs agree' });
    const res = await handler(get(`/${hashPartOf(app)}.narinfo`));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/x-nix-narinfo');
    assert.equal(await res.text(), text);
    const head = await handler(get(`/${hashPartOf(app)}.narinfo`, 'HEAD'));
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  it('answers 404, no-store, for a path that lost, and 404 — never 5xx — when deciding fails', async () => {
    const lost = await handlerWith({}).handler(get(`/${hashPartOf(app)}.narinfo`));
    assert.equal(lost.status, 404);
    assert.equal(lost.headers.get('cache-control'), 'no-store');
    assert.equal(await lost.text(), 'the vote was lost\n', 'the body says why');
    const broken = await handlerWith(new Error('engine exploded')).handler(get(`/${hashPartOf(app)}.narinfo`));
    assert.equal(broken.status, 404);
  });

  it('streams only NARs that won, from the upstream that holds them', async () => {
    const nars = [{ index: 1, baseUrl: source.baseUrl, url: 'http://127.0.0.1:1/nar/abc.nar.xz', compression: 'xz' }];
    const { handler, fetched } = handlerWith({ narHash: winner.narHash, nars }, () => new Response('NAR BYTES', { headers: { 'content-length': '9' } }));
    const ok = await handler(get(`/nar/${hashPartOf(app)}-${winner.narHash.slice(7)}-1.nar.xz`));
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'NAR BYTES');
    assert.deepEqual(fetched, ['http://127.0.0.1:1/nar/abc.nar.xz']);
    const otherUpstream = await handler(get(`/nar/${hashPartOf(app)}-${winner.narHash.slice(7)}-0.nar.xz`));
    assert.equal(otherUpstream.status, 404);
    const otherHash = await handler(get(`/nar/${hashPartOf(app)}-${'0'.repeat(52)}-1.nar.xz`));
    assert.equal(otherHash.status, 404);
    assert.equal(fetched.length, 1);
  });

  it('cuts a lying upstream\'s NAR, and answers Nix\'s retry from the next upstream holding the winner', async () => {
    const good = Buffer.from('the real NAR file');
    const fileHash = `sha256:${encodeNix32(createHash('sha256').update(good).digest())}`;
    const src = (i: number) => ({ index: i, baseUrl: `http://u${i}`, url: `http://u${i}/nar/f.nar.xz`, compression: 'xz', fileHash, fileSize: good.length });
    const nars = [src(0), src(1), src(2)];
    const { handler, fetched } = handlerWith({ narHash: winner.narHash, nars }, (url) => new Response(url.startsWith('http://u2') ? good : Buffer.from('garbage garbage!!')));
    const path = `/nar/${hashPartOf(app)}-${winner.narHash.slice(7)}-0.nar.xz`;
    const first = await handler(get(path));
    await assert.rejects(first.text(), 'the liar\'s file is cut, never completed');
    const retry = await handler(get(path));
    await assert.rejects(retry.text(), 'u1 lies too');
    const third = await handler(get(path));
    assert.equal(await third.text(), good.toString());
    assert.deepEqual(fetched, ['http://u0/nar/f.nar.xz', 'http://u1/nar/f.nar.xz', 'http://u2/nar/f.nar.xz']);
    assert.equal((await handler(get(path))).status, 200, 'and keeps serving from u2');
  });

  it('reads the client-gone signal only for a NAR (making one costs a sixth of a cached narinfo)', async () => {
    const nars = [{ index: 1, baseUrl: source.baseUrl, url: 'http://127.0.0.1:1/nar/abc.nar.xz', compression: 'xz' }];
    const { plain } = handlerWith({ narinfo: 'StorePath: x\n', narHash: winner.narHash, nars }, () => new Response('NAR'));
    let reads = 0;
    const request = (target: string) => ({ method: 'GET', target, get signal() { reads += 1; return new AbortController().signal; } });
    assert.equal((await plain(request(`/${hashPartOf(app)}.narinfo`))).status, 200);
    assert.equal((await plain(request('/nix-cache-info'))).status, 200);
    assert.equal(reads, 0);
    assert.equal((await plain(request(`/nar/${hashPartOf(app)}-${winner.narHash.slice(7)}-1.nar.xz`))).status, 200);
    assert.equal(reads, 1);
  });

  it('rejects other methods and unknown routes with 4xx', async () => {
    const { handler } = handlerWith({});
    assert.equal((await handler(get('/nix-cache-info', 'POST'))).status, 405);
    assert.equal((await handler(get('/x'))).status, 404);
    const metrics = await handler(get('/metrics'));
    assert.match(await metrics.text(), /trustix_vote_requests_total\{route="none",status="405"\} 1/);
  });
});
