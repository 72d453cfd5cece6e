/** Decisions as serve keeps them: shared, cached, voted ahead of Nix, and only winners servable. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEngine } from '../../src/engine/engine.ts';
import { generateSecretKey, hashPartOf, parseNarInfo, parseSecretKey, type StorePath } from '../../src/nixfmt/index.ts';
import { createVerdicts, type Served } from '../../src/server/verdicts.ts';
import type { Claim } from '../../src/vote/types.ts';
import { claim, fakeLog, fakeOps, majority, path, type FakeLog } from '../engine/fakes.ts';

const key = parseSecretKey(generateSecretKey('verdicts-test-1').secret);
const lib = path('lib', 1);
const app = path('app', 2);

/** A claim as a binary-cache log makes it: with the upstream narinfo it came from. */
function upstreamClaim(url: string, p: StorePath, h: string, refs: StorePath[] = []): Omit<Claim, 'log'> {
  const c = claim(p, h, refs);
  const narinfo = parseNarInfo(`StorePath: ${p}\nURL: nar/x.nar.xz\nCompression: xz\nNarHash: ${c.narHash}\nNarSize: ${c.narSize}\nReferences: ${refs.map((r) => r.slice(11)).join(' ')}\n`);
  return { ...c, upstream: { url, narinfo } };
}

function setup(logs: FakeLog[], mode: 'enforce' | 'report' = 'enforce', ttlMs = 60_000, cacheSize = 100) {
  const ops = fakeOps();
  const decided: Served[] = [];
  const verdicts = createVerdicts({
    engine: createEngine({ logs, policy: majority(logs), ops }),
    ops, key, mode, upstreams: ['http://u0', 'http://u1', 'http://u2'],
    cacheSize, ttlMs, deadlineMs: 5_000, timeoutMs: 1_000, onDecided: (s) => void decided.push(s),
  });
  return { verdicts, decided };
}

const tick = () => new Promise((r) => setTimeout(r, 10));

describe('verdicts', () => {
  it('serves a winner signed by serve, with NARs only from upstreams holding the winning hash', async () => {
    const logs = [
      fakeLog('a', [upstreamClaim('http://u0', app, '1')]),
      fakeLog('b', [upstreamClaim('http://u1', app, '1')]),
      fakeLog('c', [upstreamClaim('http://u2', app, '9')]),
    ];
    const { verdicts } = setup(logs);
    const s = await verdicts.forHashPart(hashPartOf(app));
    assert.ok(s.narinfo?.includes(`Sig: verdicts-test-1:`));
    assert.deepEqual([...s.nars.keys()].map((k) => k.slice(-2)), ['-0', '-1'], 'the liar\'s upstream u2 is never a source');
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

  it('answers nothing for a path that lost; report mode serves it and flags it', async () => {
    const claims = [upstreamClaim('http://u0', app, '1'), upstreamClaim('http://u1', app, '2')];
    const lost = await setup([fakeLog('a', [claims[0]!]), fakeLog('b', [claims[1]!]), fakeLog('c', [])]).verdicts.forHashPart(hashPartOf(app));
    assert.equal(lost.narinfo, undefined);
    assert.equal(lost.nars.size, 0);
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
});
