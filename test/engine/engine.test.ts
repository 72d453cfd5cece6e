import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fault, type Answer, type Question } from '../../src/claims.ts';
import { createEngine } from '../../src/engine/engine.ts';
import type { Observer } from '../../src/engine/observer.ts';
import { againstChosen, choosePath } from '../../src/engine/path.ts';
import { hashPartOf } from '../../src/nixfmt/index.ts';
import { defaultPolicy } from '../../src/vote/default-policy.ts';
import type { Decision } from '../../src/vote/types.ts';
import { claim, fakeLog, fakeOps, hash, majority, path } from './fakes.ts';

const lib = path('lib', 1);
const app = path('app', 2);
const evil = path('evil-dep', 3);
const run = () => new AbortController().signal;

describe('engine', () => {
  it('walks the closure through the winner\'s References only', async () => {
    const logs = [
      fakeLog('a', [claim(app, '1', [lib]), claim(lib, '2')]),
      fakeLog('b', [claim(app, '1', [lib]), claim(lib, '2')]),
      fakeLog('c', [claim(app, '9', [evil]), claim(evil, '3')]),
    ];
    const engine = createEngine({ logs, ops: fakeOps() });
    const out = await engine.decideAll([app], { walk: true, signal: run(), policy: majority(logs) });
    assert.deepEqual(out.map((d) => d.path).sort(), [app, lib].sort());
    assert.ok(out.every((d) => d.verdict === 'trusted'));
    assert.ok(!logs[0]!.asked.includes(hashPartOf(evil)), 'a liar\'s references are not followed when it lost');
  });

  it('keeps every decision as the policy made it, winner, dissent, misses and faults', async () => {
    const logs = [
      fakeLog('a', [claim(app, '1', [lib]), claim(lib, '2')]),
      fakeLog('b', [claim(app, '1', [lib]), claim(lib, '3')]),
      fakeLog('c', [claim(app, '9', [lib])]),
      fakeLog('d', [claim(app, '1', [lib]), { ...claim(lib, '2'), path: path('not-lib', 1) }]),
    ];
    const policy = { name: '', policy: defaultPolicy(logs) };
    const engine = createEngine({ logs, ops: fakeOps() });
    const out = await engine.decideAll([app], { walk: true, signal: run(), policy });
    const byPath = new Map(out.map((d) => [d.path, d]));
    assert.equal(byPath.get(app)?.verdict, 'trusted');
    assert.equal(byPath.get(lib)?.verdict, 'untrusted');
    assert.deepEqual([byPath.get(lib)?.disagree.length, byPath.get(lib)?.missing.length, byPath.get(lib)?.faults.length], [2, 1, 1]);
    for (const p of [app, lib]) assert.deepStrictEqual(byPath.get(p), await engine.decide(await engine.collect(p, run()), policy));
  });

  it('never walks the References of a claim that votes the winning NarHash with other References', async () => {
    // The liar votes app's winning hash but lists a path nobody built: an inconsistent claim, a fault.
    const logs = [
      fakeLog('liar', [claim(app, '1', [evil]), claim(evil, '3')]),
      fakeLog('a', [claim(app, '1', [lib]), claim(lib, '2')]),
      fakeLog('b', [claim(app, '1', [lib]), claim(lib, '2')]),
    ];
    const engine = createEngine({ logs, ops: fakeOps() });
    const out = await engine.decideAll([app], { walk: true, signal: run(), policy: { name: '', policy: defaultPolicy(logs) } });
    assert.deepEqual(out.map((d) => d.path).sort(), [app, lib].sort());
    assert.ok(!logs[1]!.asked.includes(hashPartOf(evil)), 'the inconsistent claim\'s references are not walked');
    assert.equal(out.find((d) => d.path === app)?.faults[0]?.kind, 'inconsistent-claim');
  });

  it('follows the References most logs claim when nothing won, not a lone voter\'s', async () => {
    const logs = [
      fakeLog('a', [claim(app, '1', [lib]), claim(lib, '2')]),
      fakeLog('b', [claim(app, '8', [lib]), claim(lib, '2')]),
      fakeLog('c', [claim(app, '9', [evil])]),
    ];
    const engine = createEngine({ logs, ops: fakeOps() });
    const out = await engine.decideAll([app], { walk: true, signal: run(), policy: majority(logs) });
    assert.deepEqual(out.map((d) => d.path).sort(), [app, lib].sort());
  });

  it('cannot be made to crawl a liar\'s inventions, and stops at the cap with one line', async () => {
    // The liar signs a claim for every hash part it is asked, listing 50 new paths each time.
    let made = 0;
    const liar = fakeLog('liar', []);
    const honest = [fakeLog('a', [claim(app, '1', [lib]), claim(lib, '2')]), fakeLog('b', [claim(app, '1', [lib]), claim(lib, '2')])];
    const inventing = { ...liar, query: async (q: Question) => {
      const refs = Array.from({ length: 50 }, () => path(`junk${made}`, 10 + (made++ % 80)));
      return { outcome: 'vote' as const, claim: { ...claim(q.path!, '6', refs), log: 'liar', proof: { kind: 'sample' as const } } };
    } };
    const logs = [inventing, ...honest];
    const ops = fakeOps();
    const out = await createEngine({ logs, ops }).decideAll([app], { walk: true, signal: run(), policy: majority(logs) });
    assert.deepEqual(out.map((d) => d.path).sort(), [app, lib].sort());

    // Alone, the liar wins every vote: the cap holds and says so once.
    const alone = [inventing];
    made = 0;
    const capped = await createEngine({ logs: alone, ops }).decideAll([app], { walk: true, signal: run(), policy: majority(alone), maxPaths: 120 });
    assert.equal(capped.length, 120);
    const warns = ops.events.filter((e) => (e as { kind: string }).kind === 'warn');
    assert.equal(warns.length, 1);
    assert.match((warns[0] as { message: string }).message, /^closure has more than 120 paths: \d+ references past that were not voted on$/);
  });

  it('keeps a growing closure as names, not as thousands of requests started at once', async () => {
    // A lone log inventing 20 new references per path: the queue grows far faster than it drains.
    let inFlight = 0;
    let most = 0;
    const inventor = inventing(async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight -= 1;
      return true;
    });
    const out = await createEngine({ logs: [inventor], ops: fakeOps() }).decideAll([app], { walk: true, signal: run(), policy: majority([inventor]), maxPaths: 3000 });
    assert.equal(out.length, 3000);
    assert.ok(most <= 128, `at most 128 paths in flight, saw ${most}`);
  });

  it('stops asking at the run deadline: what is still queued is untrusted without a request', async () => {
    let asked = 0;
    const run = new AbortController();
    const inventor = inventing(async (signal) => {
      asked += 1;
      if (asked === 50) run.abort();
      await new Promise((r) => setImmediate(r));
      return !signal.aborted;
    });
    const out = await createEngine({ logs: [inventor], ops: fakeOps() }).decideAll([app], { walk: true, signal: run.signal, policy: majority([inventor]), maxPaths: 100_000 });
    assert.ok(asked < 600, `nothing is asked once the deadline passed (asked ${asked})`);
    const unasked = out.filter((d) => d.reason === 'not asked before the run deadline');
    assert.ok(unasked.length > 0);
    assert.ok(unasked.every((d) => d.verdict === 'untrusted' && d.faults.length === 1 && d.faults[0]!.kind === 'deadline'));
    assert.equal(out.length, new Set(out.map((d) => d.path)).size);
  });

  it('asks each log once per path, even when many paths share a dependency', async () => {
    const deps = [1, 2, 3, 4].map((i) => path(`top${i}`, 10 + i));
    const logs = [fakeLog('a', [...deps.map((d) => claim(d, '1', [lib])), claim(lib, '2')])];
    const engine = createEngine({ logs, ops: fakeOps() });
    await engine.decideAll(deps, { walk: true, signal: run(), policy: majority(logs) });
    assert.equal(logs[0]!.asked.filter((h) => h === hashPartOf(lib)).length, 1);
  });

  it('turns a hung log into faults at the deadline and still decides', async () => {
    const logs = [fakeLog('a', [claim(lib, '2')]), fakeLog('b', [claim(lib, '2')]), fakeLog('slow', [claim(lib, '2')])];
    logs[2]!.hang = new Promise(() => {});
    const ops = fakeOps();
    const engine = createEngine({ logs, ops });
    const deadline = ops.deadline(30_000);
    const decided = engine.decideAll([lib], { walk: false, signal: deadline.signal, policy: majority(logs) });
    ops.advance(29_999);
    await new Promise((r) => setImmediate(r));
    assert.equal(deadline.signal.aborted, false);
    ops.advance(1);
    const [d] = await decided;
    assert.equal(d?.verdict, 'trusted');
    assert.deepEqual(d?.faults, [{ log: 'slow', kind: 'deadline', reason: 'no answer before the run deadline' }]);
  });

  it('learns the full path from a hash part, and faults logs that name another path', () => {
    const other = path('app-renamed', 2);
    const answers: Answer[] = [
      { outcome: 'vote', claim: { ...claim(app, '1'), log: 'a', proof: { kind: 'sample' } } },
      { outcome: 'vote', claim: { ...claim(app, '1'), log: 'b', proof: { kind: 'sample' } } },
      { outcome: 'vote', claim: { ...claim(other, '1'), log: 'c', proof: { kind: 'sample' } } },
      { outcome: 'miss', kind: 'not-found', reason: 'no narinfo' },
    ];
    const chosen = choosePath(answers);
    assert.equal(chosen, app);
    assert.deepEqual(againstChosen(answers[2]!, app), { outcome: 'fault', kind: 'name-conflict', reason: `names ${other} where most logs name ${app}` });
    assert.equal(choosePath([{ outcome: 'miss', kind: 'not-found', reason: 'x' }]), undefined);
  });

  it('collects a hash part Nix asks for, then any policy decides over it', async () => {
    const logs = [fakeLog('a', [claim(lib, '2')]), fakeLog('b', [claim(lib, '2')])];
    const engine = createEngine({ logs, ops: fakeOps() });
    const ballot = await engine.collectHashPart(hashPartOf(lib), run());
    assert.equal(ballot?.path, lib);
    assert.equal((await engine.decide(ballot!, majority(logs))).narHash, hash('2'));
    assert.equal(await engine.collectHashPart(hashPartOf(app), run()), undefined);
  });

  it('names a path no binary cache holds from the References of a trusted path, for a log that needs the name', async () => {
    // The cache has app (referring to lib) but not lib; the Trustix-like log has both.
    const cache = fakeLog('cache', [claim(app, '1', [lib])]);
    const trustix = fakeLog('trustix-like', [claim(app, '1', [lib]), claim(lib, '2')], 'store-path');
    const logs = [cache, trustix];
    const engine = createEngine({ logs, ops: fakeOps() });
    assert.equal(await engine.collectHashPart(hashPartOf(lib), run()), undefined, 'nobody has named lib yet');
    const top = await engine.collectHashPart(hashPartOf(app), run());
    assert.equal((await engine.decide(top!, majority(logs))).verdict, 'trusted');
    const ballot = await engine.collectHashPart(hashPartOf(lib), run());
    assert.equal(ballot?.path, lib);
    assert.deepEqual(ballot?.answers.map((a) => a.outcome), ['miss', 'vote']);
    // An untrusted path's references name nothing.
    const other = path('other', 4);
    const logs2 = [fakeLog('c', [claim(app, '1', [other])]), fakeLog('t', [claim(app, '9', [other]), claim(other, '2')], 'store-path')];
    const engine2 = createEngine({ logs: logs2, ops: fakeOps() });
    const split = await engine2.collectHashPart(hashPartOf(app), run());
    assert.equal((await engine2.decide(split!, majority(logs2))).verdict, 'untrusted');
    assert.equal(await engine2.collectHashPart(hashPartOf(other), run()), undefined);
  });

  it('asks a log that needs the full path only once another log has named it', async () => {
    const byPath = fakeLog('trustix-like', [claim(lib, '2')], 'store-path');
    const logs = [fakeLog('a', [claim(lib, '2')]), byPath];
    const engine = createEngine({ logs, ops: fakeOps() });
    const ballot = await engine.collectHashPart(hashPartOf(lib), run());
    assert.deepEqual(ballot?.answers.map((a) => a.outcome), ['vote', 'vote']);
    assert.deepEqual(byPath.asked, [hashPartOf(lib)]);
    // Nobody named `app`: the store-path log is never asked without a name.
    assert.equal(await engine.collectHashPart(hashPartOf(app), run()), undefined);
    assert.deepEqual(byPath.asked, [hashPartOf(lib)]);
  });

  it('tells one observer every answer and every decision', async () => {
    const logs = [fakeLog('a', [claim(app, '1', [lib]), claim(lib, '2')]), fakeLog('b', [claim(app, '1', [lib])])];
    const answered: [string, Question, Answer['outcome']][] = [];
    const decided: [Decision['path'], Decision['verdict'], string][] = [];
    const observer: Observer = {
      answered: (log, q, a) => void answered.push([log, q, a.outcome]),
      decided: (d, b, policy) => {
        assert.equal(b.path, d.path);
        decided.push([d.path, d.verdict, policy]);
      },
    };
    const engine = createEngine({ logs, ops: fakeOps(), observer });
    await engine.decideAll([app], { walk: true, signal: run(), policy: { ...majority(logs), name: 'strict' } });
    assert.equal(answered.length, 4);
    assert.ok(answered.some(([log, q, o]) => log === 'b' && q.path === lib && o === 'miss'));
    assert.deepEqual(decided.sort(), [[app, 'trusted', 'strict'], [lib, 'untrusted', 'strict']].sort());
  });
});

describe('the answer gate', () => {
  it('lets the observer see what the log said and the policy what the gate lets count, never more', async () => {
    const logs = [fakeLog('a', [claim(app, '1')]), fakeLog('b', [claim(app, '1')]), fakeLog('c', [])];
    const seen: [string, Answer['outcome']][] = [];
    const gate = {
      override(log: string, _q: Question, a: Answer) {
        if (log === 'a') return fault('equivocation', 'two fingerprints');
        // A gate that tries to add a vote is ignored.
        if (log === 'c') return { outcome: 'vote', claim: { ...claim(app, '1'), log: 'c', proof: { kind: 'sample' } } } as unknown as ReturnType<typeof fault>;
        return a.outcome === 'fault' ? a : undefined;
      },
    };
    const engine = createEngine({ logs, ops: fakeOps(), observer: { answered: (log, _q, a) => void seen.push([log, a.outcome]) }, gate });
    const ballot = await engine.collect(app, run());
    assert.deepEqual(ballot.answers.map((a) => a.outcome), ['fault', 'vote', 'miss']);
    assert.deepEqual(seen.sort(), [['a', 'vote'], ['b', 'vote'], ['c', 'miss']]);
    const d = await engine.decide(ballot, majority(logs));
    assert.equal(d.verdict, 'untrusted', '1 of 3: the equivocating log cannot help');
  });
});

describe('a hash part two paths claim in equal numbers', () => {
  it('names no path at all', () => {
    const other = path('app-renamed', 2);
    assert.equal(choosePath([
      { outcome: 'vote', claim: { ...claim(other, '1'), log: 'liar', proof: { kind: 'sample' } } },
      { outcome: 'vote', claim: { ...claim(app, '1'), log: 'honest', proof: { kind: 'sample' } } },
    ]), undefined);
  });
});

/**
 * A lone log that signs a claim for any path it is asked, naming 20 new paths each time:
 * a closure that grows far faster than it drains. `answer` runs first; false: a deadline fault.
 */
function inventing(answer: (signal: AbortSignal) => Promise<boolean>) {
  let made = 0;
  return { ...fakeLog('inventor', []), query: async (q: Question, signal: AbortSignal) => {
    if (!(await answer(signal))) return fault('deadline', 'no answer before the run deadline');
    const refs = Array.from({ length: 20 }, () => path(`n${made++}`, 10 + (made % 80)));
    return { outcome: 'vote' as const, claim: { ...claim(q.path!, '6', refs), log: 'inventor', proof: { kind: 'sample' as const } } };
  } };
}
