import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEngine } from '../../src/engine/engine.ts';
import { pathOfAnswers } from '../../src/engine/path.ts';
import { hashPartOf } from '../../src/nixfmt/index.ts';
import { claim, fakeLog, fakeOps, hash, majority, path } from './fakes.ts';

const lib = path('lib', 1);
const app = path('app', 2);
const evil = path('evil-dep', 3);

describe('engine', () => {
  it('walks the closure through the winner\'s References only', async () => {
    const logs = [
      fakeLog('a', [claim(app, '1', [lib]), claim(lib, '2')]),
      fakeLog('b', [claim(app, '1', [lib]), claim(lib, '2')]),
      fakeLog('c', [claim(app, '9', [evil]), claim(evil, '3')]),
    ];
    const engine = createEngine({ logs, policy: majority(logs), ops: fakeOps() });
    const out = await engine.decideAll([app], { walk: true, signal: new AbortController().signal });
    assert.deepEqual(out.map((d) => d.decision.path).sort(), [app, lib].sort());
    assert.ok(out.every((d) => d.decision.verdict === 'trusted'));
    assert.ok(!logs[0]!.asked.includes(hashPartOf(evil)), 'a liar\'s references are not followed when it lost');
  });

  it('follows every voter\'s References when nothing won', async () => {
    const logs = [fakeLog('a', [claim(app, '1', [lib]), claim(lib, '2')]), fakeLog('b', [claim(app, '9', [evil])])];
    const engine = createEngine({ logs, policy: majority(logs), ops: fakeOps() });
    const out = await engine.decideAll([app], { walk: true, signal: new AbortController().signal });
    assert.deepEqual(out.map((d) => d.decision.path).sort(), [app, lib, evil].sort());
  });

  it('asks each log once per path, even when many paths share a dependency', async () => {
    const deps = [1, 2, 3, 4].map((i) => path(`top${i}`, 10 + i));
    const logs = [fakeLog('a', [...deps.map((d) => claim(d, '1', [lib])), claim(lib, '2')])];
    const engine = createEngine({ logs, policy: majority(logs), ops: fakeOps() });
    await engine.decideAll(deps, { walk: true, signal: new AbortController().signal });
    assert.equal(logs[0]!.asked.filter((h) => h === hashPartOf(lib)).length, 1);
  });

  it('turns a hung log into faults at the deadline and still decides', async () => {
    const logs = [fakeLog('a', [claim(lib, '2')]), fakeLog('b', [claim(lib, '2')]), fakeLog('slow', [claim(lib, '2')])];
    logs[2]!.hang = new Promise(() => {});
    const engine = createEngine({ logs, policy: majority(logs), ops: fakeOps() });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const [d] = await engine.decideAll([lib], { walk: false, signal: controller.signal });
    assert.equal(d?.decision.verdict, 'trusted');
    assert.deepEqual(d?.decision.faults, [{ log: 'slow', reason: 'no answer before the run deadline' }]);
  });

  it('learns the full path from a hash part, and faults logs that name another path', () => {
    const other = path('app-renamed', 2);
    const b = pathOfAnswers([
      { outcome: 'vote', claim: { ...claim(app, '1'), log: 'a' } },
      { outcome: 'vote', claim: { ...claim(app, '1'), log: 'b' } },
      { outcome: 'vote', claim: { ...claim(other, '1'), log: 'c' } },
      { outcome: 'miss', reason: 'no narinfo' },
    ]);
    assert.equal(b?.path, app);
    assert.equal(b?.answers[2]?.outcome, 'fault');
    assert.equal(pathOfAnswers([{ outcome: 'miss', reason: 'x' }]), undefined);
  });

  it('decides a hash part Nix asks for', async () => {
    const logs = [fakeLog('a', [claim(lib, '2')]), fakeLog('b', [claim(lib, '2')])];
    const engine = createEngine({ logs, policy: majority(logs), ops: fakeOps() });
    const d = await engine.decideHashPart(hashPartOf(lib), new AbortController().signal);
    assert.equal(d?.decision.narHash, hash('2'));
    assert.equal(await engine.decideHashPart(hashPartOf(app), new AbortController().signal), undefined);
  });
});

describe('a hash part two paths claim in equal numbers', () => {
  it('names no path at all', () => {
    const other = path('app-renamed', 2);
    const b = pathOfAnswers([
      { outcome: 'vote', claim: { ...claim(other, '1'), log: 'liar' } },
      { outcome: 'vote', claim: { ...claim(app, '1'), log: 'honest' } },
    ]);
    assert.equal(b, undefined);
  });
});
