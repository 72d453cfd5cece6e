/** Offers as serve keeps them: shared, cached, voted ahead of Nix, only winners servable, per policy. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEngine } from '../../src/engine/engine.ts';
import type { NamedPolicy } from '../../src/engine/engine.ts';
import { generateSecretKey, hashPartOf, parseSecretKey, parseStorePath, type StorePath } from '../../src/nixfmt/index.ts';
import { createOffers, UNTRUSTED_TTL_MS, type OfferMade } from '../../src/server/offers.ts';
import { defaultPolicy } from '../../src/vote/default-policy.ts';
import { claim, fakeLog, fakeOps, majority, path, type Facts, type FakeLog } from '../engine/fakes.ts';

const key = parseSecretKey(generateSecretKey('verdicts-test-1').secret);
const lib = path('lib', 1);
const app = path('app', 2);

/** A claim as a binary-cache log makes it: with the upstream it came from. */
function upstreamClaim(url: string, p: StorePath, h: string, refs: StorePath[] = []): Facts {
  return { ...claim(p, h, refs), upstream: { url, narUrl: 'nar/x.nar.xz', compression: 'xz' } };
}

interface Options { mode?: 'enforce' | 'report'; ttlMs?: number; cacheSize?: number; prefetch?: boolean; policies?: NamedPolicy[] }

function setup(logs: FakeLog[], mode: 'enforce' | 'report' = 'enforce', ttlMs = 60_000, cacheSize = 100, more: Options = {}) {
  const ops = fakeOps();
  const decided: OfferMade[] = [];
  const verdicts = createOffers({
    engine: createEngine({ logs, ops }),
    policies: more.policies ?? [majority(logs)],
    ops, key, mode, upstreams: ['http://u0', 'http://u1', 'http://u2'],
    cacheSize, ttlMs, deadlineMs: 5_000, timeoutMs: 1_000, observer: { offered: (s) => void decided.push(s) },
    ...(more.prefetch !== undefined && { prefetch: more.prefetch }),
  });
  const ask = (p: StorePath, policy = '') => verdicts.forHashPart(hashPartOf(p), policy)!;
  return { verdicts: { forHashPart: (h: Parameters<typeof verdicts.forHashPart>[0]) => verdicts.forHashPart(h)! }, decided, ops, ask };
}

const tick = () => new Promise((r) => setTimeout(r, 10));

describe('offers', () => {
  it('serves a winner signed by serve, with NARs only from upstreams holding the winning hash', async () => {
    const logs = [
      fakeLog('a', [upstreamClaim('http://u0', app, '1')]),
      fakeLog('b', [upstreamClaim('http://u1', app, '1')]),
      fakeLog('c', [upstreamClaim('http://u2', app, '9')]),
    ];
    const { verdicts } = setup(logs);
    const s = await verdicts.forHashPart(hashPartOf(app));
    assert.ok(s.narinfo?.includes(`Sig: verdicts-test-1:`));
    assert.deepEqual(s.nars.map((n) => n.index), [0, 1], 'the liar\'s upstream u2 is never a source');
  });

  it('points the narinfo at the upstream itself only with nar-urls = upstream', async () => {
    const logs = [fakeLog('a', [upstreamClaim('http://u1', app, '1')]), fakeLog('b', [upstreamClaim('http://u2', app, '1')])];
    const ops = fakeOps();
    const offers = (narUrls?: 'serve' | 'upstream') => createOffers({
      engine: createEngine({ logs, ops }), policies: [majority(logs)], ops, key, mode: 'enforce', upstreams: ['http://u0', 'http://u1', 'http://u2'],
      cacheSize: 100, ttlMs: 60_000, deadlineMs: 5_000, timeoutMs: 1_000, observer: {}, ...(narUrls !== undefined && { narUrls }),
    });
    const direct = await offers('upstream').forHashPart(hashPartOf(app))!;
    assert.match(direct.narinfo ?? '', /^URL: http:\/\/u1\/nar\/x\.nar\.xz$/m, 'the first upstream holding the winning NarHash');
    const own = await offers().forHashPart(hashPartOf(app))!;
    assert.match(own.narinfo ?? '', /^URL: nar\//m, 'by default, serve\'s own route');
  });

  it('serves the References of the consistent backers, never those of a claim of the winning hash with others', async () => {
    const junk = path('junk', 7);
    const logs = [
      fakeLog('liar', [upstreamClaim('http://u0', app, '1', [junk])]),
      fakeLog('a', [upstreamClaim('http://u1', app, '1', [lib])]),
      fakeLog('b', [upstreamClaim('http://u2', app, '1', [lib])]),
    ];
    const { verdicts, decided } = setup(logs, 'enforce', 60_000, 100, { policies: [{ name: '', policy: defaultPolicy(logs) }] });
    const s = await verdicts.forHashPart(hashPartOf(app));
    assert.match(s.narinfo ?? '', new RegExp(`^References: ${lib.slice(11)}$`, 'm'));
    assert.doesNotMatch(s.narinfo ?? '', /junk/);
    await tick();
    assert.ok(!decided.some((d) => d.decision?.path === junk), 'prefetch does not vote the liar\'s reference');
  });

  it('asks again for a path voted ahead before anything named it, once a trusted path has', async () => {
    // Only the Trustix-like log holds lib, and it needs lib's name: app's References give it.
    const logs = [
      fakeLog('c', [upstreamClaim('http://u0', app, '1', [lib])]),
      fakeLog('t', [claim(app, '1', [lib]), claim(lib, '2')], 'store-path'),
    ];
    const { verdicts, decided } = setup(logs);
    await verdicts.forHashPart(hashPartOf(app));
    await tick();
    await verdicts.forHashPart(hashPartOf(lib));
    assert.ok(decided.some((d) => d.decision?.path === lib), `lib was voted by its learned name: ${decided.map((d) => d.why).join('; ')}`);
  });

  it('shares one vote between concurrent requests and caches it', async () => {
    const logs = [fakeLog('a', [upstreamClaim('http://u0', app, '1')])];
    const { verdicts } = setup(logs);
    await Promise.all([verdicts.forHashPart(hashPartOf(app)), verdicts.forHashPart(hashPartOf(app))]);
    await verdicts.forHashPart(hashPartOf(app));
    assert.equal(logs[0]!.asked.length, 1);
  });

  it('keeps at most cache-size verdicts, dropping the least recently used', async () => {
    const logs = [fakeLog('a', [upstreamClaim('http://u0', app, '1'), upstreamClaim('http://u0', lib, '2')])];
    const { verdicts } = setup(logs, 'enforce', 60_000, 1);
    await verdicts.forHashPart(hashPartOf(app));
    await verdicts.forHashPart(hashPartOf(app));
    assert.equal(logs[0]!.asked.length, 1, 'the one verdict it may keep is kept');
    await verdicts.forHashPart(hashPartOf(lib));
    await verdicts.forHashPart(hashPartOf(app));
    assert.equal(logs[0]!.asked.length, 3, 'lib took app\'s place, so app is voted again');
  });

  it('votes the references ahead of Nix', async () => {
    const logs = [fakeLog('a', [upstreamClaim('http://u0', app, '1', [lib]), upstreamClaim('http://u0', lib, '2')])];
    const { verdicts, decided } = setup(logs);
    await verdicts.forHashPart(hashPartOf(app));
    await tick();
    assert.ok(decided.some((s) => s.decision?.path === lib), 'lib was decided before anyone asked');
    const before = logs[0]!.asked.length;
    await verdicts.forHashPart(hashPartOf(lib));
    assert.equal(logs[0]!.asked.length, before, 'and Nix\'s request for it is a cache hit');
  });

  it('votes each path once per walk of a closure larger than the cache, and keeps a part of it for the next walk', async () => {
    // 12 levels of 25 paths, each referring to 3 paths of the next level; 300 paths, a cache of 100.
    const distinct = (n: number) => parseStorePath(`/nix/store/${String(n).padStart(4, '0')}${'b'.repeat(28)}-p${n}`);
    const levels = Array.from({ length: 12 }, (_, l) => Array.from({ length: 25 }, (_, i) => distinct(l * 25 + i)));
    const refs = (l: number, i: number) => (l + 1 < levels.length ? [0, 1, 2].map((k) => levels[l + 1]![(i + k * 7) % 25]!) : []);
    const facts = levels.flatMap((ps, l) => ps.map((p, i) => upstreamClaim('http://u0', p, String(l % 10), refs(l, i))));
    const root = path('root', 99);
    facts.push(upstreamClaim('http://u0', root, '1', levels[0]!));
    const logs = [fakeLog('a', facts), fakeLog('b', facts)];
    const { ask, decided } = setup(logs, 'enforce', 600_000, 100);
    /** As Nix walks: breadth first, a few requests in flight, each path once. */
    const walk = async () => {
      const queue: StorePath[] = [root];
      const seen = new Set<StorePath>(queue);
      const worker = async () => {
        for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
          const a = await ask(p);
          assert.ok(a.narinfo !== undefined);
          for (const r of /References: (.*)/.exec(a.narinfo)![1]!.split(' ').filter((x) => x !== '')) {
            const ref = `/nix/store/${r}` as StorePath;
            if (seen.has(ref)) continue;
            seen.add(ref);
            queue.push(ref);
          }
          await tick();
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      return seen.size;
    };
    const votes = () => {
      const per = new Map<string, number>();
      for (const d of decided) if (d.decision !== undefined) per.set(d.decision.path, (per.get(d.decision.path) ?? 0) + 1);
      return per;
    };
    assert.equal(await walk(), 301);
    const first = votes();
    assert.equal(first.size, 301);
    assert.deepEqual([...new Set(first.values())], [1], 'the first walk voted every path once: nothing voted ahead was evicted before Nix asked');
    await walk();
    const second = votes();
    const again = [...second.values()].reduce((a, b) => a + b, 0) - 301;
    assert.ok(Math.max(...second.values()) <= 2, 'no path voted more than once a walk');
    assert.ok(again <= 301 - 50, `the second walk voted ${again} of 301 paths again: at least half of what the cache holds was kept`);
  });

  it('answers nothing for a path that lost; report mode serves it and flags it', async () => {
    const claims = [upstreamClaim('http://u0', app, '1'), upstreamClaim('http://u1', app, '2')];
    const lost = await setup([fakeLog('a', [claims[0]!]), fakeLog('b', [claims[1]!]), fakeLog('c', [])]).verdicts.forHashPart(hashPartOf(app));
    assert.equal(lost.narinfo, undefined);
    assert.equal(lost.nars.length, 0);
    const report = await setup([fakeLog('a', [claims[0]!]), fakeLog('b', [claims[1]!]), fakeLog('c', [])], 'report').verdicts.forHashPart(hashPartOf(app));
    assert.ok(report.narinfo !== undefined);
    assert.equal(report.wouldReject, true);
  });

  it('answers nothing for a path no log knows', async () => {
    const s = await setup([fakeLog('a', [])]).verdicts.forHashPart(hashPartOf(app));
    assert.equal(s.why, 'no log knows this path');
    assert.equal(s.narinfo, undefined);
  });

  it('serves no CA line, and a Deriver only when every backer names it', async () => {
    const drvA = path('app.drv', 7);
    const drvB = path('other.drv', 8);
    const c = (url: string, deriver: StorePath) => ({ ...upstreamClaim(url, app, '1'), deriver, ca: 'fixed:r:sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s' });
    const same = await setup([fakeLog('a', [c('http://u0', drvA)]), fakeLog('b', [c('http://u1', drvA)])]).verdicts.forHashPart(hashPartOf(app));
    assert.doesNotMatch(same.narinfo ?? '', /^CA:/m);
    assert.match(same.narinfo ?? '', new RegExp(`^Deriver: ${drvA.slice(11)}$`, 'm'));
    const differ = await setup([fakeLog('a', [c('http://u0', drvA)]), fakeLog('b', [c('http://u1', drvB)])]).verdicts.forHashPart(hashPartOf(app));
    assert.ok(differ.narinfo !== undefined);
    assert.doesNotMatch(differ.narinfo ?? '', /^Deriver:/m);
  });

  it('cannot be poisoned by a liar naming another path for a reference\'s hash part', async () => {
    const evil = path('lib-evil', 1);
    assert.equal(hashPartOf(evil), hashPartOf(lib));
    const liar = fakeLog('liar', [upstreamClaim('http://u0', app, '1', [evil])]);
    const honest = ['b', 'c'].map((n, i) => fakeLog(n, [upstreamClaim(`http://u${i + 1}`, app, '1', [lib]), upstreamClaim(`http://u${i + 1}`, lib, '2')]));
    const { verdicts } = setup([liar, ...honest]);
    await verdicts.forHashPart(hashPartOf(app));
    await tick();
    const s = await verdicts.forHashPart(hashPartOf(lib));
    assert.equal(s.why, 'majority', 'trusted: the honest two agree on lib');
    assert.ok(s.narinfo?.includes(`StorePath: ${lib}`));
  });

  it('follows a liar\'s references one level at most', async () => {
    const junk = Array.from({ length: 20 }, (_, i) => path(`junk${i}`, 20 + i));
    const deeper = Array.from({ length: 20 }, (_, i) => path(`deeper${i}`, 50 + i));
    const liar = fakeLog('liar', [
      upstreamClaim('http://u0', app, '1', junk),
      ...junk.map((j, i) => upstreamClaim('http://u0', j, '3', [deeper[i]!])),
      ...deeper.map((d) => upstreamClaim('http://u0', d, '4')),
    ]);
    const honest = ['b', 'c'].map((n, i) => fakeLog(n, [upstreamClaim(`http://u${i + 1}`, app, '1', [])]));
    const { verdicts } = setup([liar, ...honest]);
    await verdicts.forHashPart(hashPartOf(app));
    await tick();
    await tick();
    assert.ok(!liar.asked.some((h) => deeper.some((d) => hashPartOf(d) === h)), 'no path two levels down the liar\'s references was voted');
  });

  it('keeps nothing when cache-ttl is 0', async () => {
    const logs = [fakeLog('a', [upstreamClaim('http://u0', app, '1')])];
    const { verdicts } = setup(logs, 'enforce', 0);
    await verdicts.forHashPart(hashPartOf(app));
    await verdicts.forHashPart(hashPartOf(app));
    assert.equal(logs[0]!.asked.length, 2);
  });

  it('votes the next level while the first is still being voted, and not at all with prefetch off', async () => {
    // b answers app only when released: app's vote is still running when lib is asked.
    let release!: () => void;
    const slow = fakeLog('b', [upstreamClaim('http://u1', app, '1', [lib]), upstreamClaim('http://u1', lib, '2')]);
    slow.hang = new Promise((r) => (release = r));
    const fast = fakeLog('a', [upstreamClaim('http://u0', app, '1', [lib]), upstreamClaim('http://u0', lib, '2')]);
    const { ask } = setup([fast, slow]);
    const pending = ask(app);
    await tick();
    assert.ok(fast.asked.includes(hashPartOf(lib)), "lib was asked on a's first vote for app, before app was decided");
    release();
    await pending;

    const off = [fakeLog('a', [upstreamClaim('http://u0', app, '1', [lib]), upstreamClaim('http://u0', lib, '2')])];
    const { ask: askOff, decided } = setup(off, 'enforce', 60_000, 100, { prefetch: false });
    await askOff(app);
    await tick();
    assert.deepEqual(off[0]!.asked, [hashPartOf(app)], 'with prefetch off only what Nix asks for is voted');
    assert.ok(!decided.some((d) => d.decision?.path === lib));
  });

  it('keeps an untrusted answer only for the short TTL, a trusted one for cache-ttl', async () => {
    const logs = [fakeLog('a', [upstreamClaim('http://u0', app, '1'), upstreamClaim('http://u0', lib, '2')]), fakeLog('b', [upstreamClaim('http://u1', app, '1')])];
    const { ask, ops } = setup(logs, 'enforce', 60_000, 100, { prefetch: false });
    assert.equal((await ask(lib)).narinfo, undefined, 'lib: 1 of 2 is no majority');
    assert.ok((await ask(app)).narinfo !== undefined);
    const asked = () => logs[0]!.asked.length;
    const before = asked();
    ops.advance(UNTRUSTED_TTL_MS);
    await ask(lib);
    await ask(app);
    assert.equal(asked(), before, 'both still cached up to the short TTL');
    ops.advance(1);
    await ask(lib);
    assert.equal(asked(), before + 1, 'the untrusted answer expired and lib was voted again');
    await ask(app);
    assert.equal(asked(), before + 1, 'the trusted answer is kept');
    ops.advance(60_000);
    await ask(app);
    assert.equal(asked(), before + 2, 'until cache-ttl');
  });

  it('decides several policies over one set of queries', async () => {
    const logs = [fakeLog('a', [upstreamClaim('http://u0', app, '1')]), fakeLog('b', [upstreamClaim('http://u1', app, '1')]), fakeLog('c', [])];
    const all = { name: 'all', policy: { ...majority(logs).policy, decide: (b: Parameters<ReturnType<typeof majority>['policy']['decide']>[0]) => {
      const d = majority(logs).policy.decide(b);
      return d.agree.length === logs.length ? d : { ...d, verdict: 'untrusted' as const, reason: 'not every log agrees' };
    } } };
    const { ask, decided } = setup(logs, 'enforce', 60_000, 100, { prefetch: false, policies: [majority(logs), all] });
    const root = await ask(app);
    const strict = await ask(app, 'all');
    assert.ok(root.narinfo !== undefined, 'the default policy trusts 2 of 3');
    assert.equal(strict.narinfo, undefined);
    assert.equal(strict.why, 'not every log agrees');
    assert.deepEqual(logs.map((l) => l.asked.length), [1, 1, 1], 'one query per log for both policies');
    assert.deepEqual(decided.map((d) => d.policy), ['', 'all']);
  });
});
