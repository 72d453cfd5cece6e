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

function setup(logs: FakeLog[], mode: 'enforce' | 'report' = 'enforce') {
  const ops = fakeOps();
  const decided: Served[] = [];
  const verdicts = createVerdicts({
    engine: createEngine({ logs, policy: majority(logs), ops }),
    ops, key, mode, upstreams: ['http://u0', 'http://u1', 'http://u2'],
    cacheSize: 100, ttlMs: 60_000, deadlineMs: 5_000, onDecided: (s) => void decided.push(s),
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

  it('votes the references ahead of Nix', async () => {
    const logs = [fakeLog('a', [upstreamClaim('http://u0', app, '1', [lib]), upstreamClaim('http://u0', lib, '2')])];
    const { verdicts, decided } = setup(logs);
    await verdicts.forHashPart(hashPartOf(app));
    await tick();
    assert.ok(decided.some((s) => s.decided?.decision.path === lib), 'lib was decided before anyone asked');
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
    assert.equal(s.decided, undefined);
    assert.equal(s.narinfo, undefined);
  });
});
