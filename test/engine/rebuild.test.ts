/** How a local build compares with the logs' answers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fault, miss, type Answer, type Ballot } from '../../src/claims.ts';
import { compareRebuild } from '../../src/engine/rebuild.ts';
import type { Decision } from '../../src/vote/types.ts';
import { claim, hash, path } from './fakes.ts';

const P = path('x');
const NAMES = ['a', 'b', 'c', 'me'];
const v = (log: string, h: string): Answer => ({ outcome: 'vote', claim: { ...claim(P, h), log, proof: { kind: 'sample' } } });
const ballot = (...answers: Answer[]): Ballot => ({ path: P, answers });
const decided = (win?: string): Decision => ({
  path: P, verdict: win ? 'trusted' : 'untrusted', ...(win !== undefined && { narHash: hash(win) }), agree: [], disagree: [], missing: [], faults: [], reason: win ? 'won' : 'no majority',
});
const nf = miss('not-found', 'no narinfo');

describe('compareRebuild', () => {
  it('reproduced: our hash is the winner\'s', () => {
    const r = compareRebuild(ballot(v('a', '1'), v('b', '1'), v('c', '2'), nf), NAMES, decided('1'), hash('1'));
    assert.equal(r.verdict, 'reproduced');
    assert.deepEqual(r.matching, ['a', 'b']);
    assert.deepEqual(r.differing.map((d) => d.log), ['c']);
    assert.match(r.reason, /matches the winner, voted by a, b/);
  });
  it('reproduced: no winner, but what most logs voted', () => {
    const r = compareRebuild(ballot(v('a', '1'), v('b', '1'), v('c', '2'), nf), NAMES, decided(), hash('1'));
    assert.equal(r.verdict, 'reproduced');
    assert.match(r.reason, /most logs voted \(a, b\); the vote had not trusted it: no majority/);
  });
  it('diverged: logs say X, we built Y', () => {
    const r = compareRebuild(ballot(v('a', '1'), v('b', '1'), v('c', '2'), nf), NAMES, decided('1'), hash('2'));
    assert.equal(r.verdict, 'diverged');
    assert.equal(r.compared, hash('1'));
    assert.match(r.reason, /^a, b say sha256:01+; this machine built sha256:02+, as c did$/);
  });
  it('first-build: nobody has a vote; unchecked: nobody could be asked', () => {
    assert.equal(compareRebuild(ballot(nf, nf, fault('timeout', 't'), nf), NAMES, decided(), hash('1')).verdict, 'first-build');
    const down = compareRebuild(ballot(fault('timeout', 't'), fault('unreachable', 'r'), fault('timeout', 't'), v('me', '1')), NAMES, decided(), hash('1'), new Set([3]));
    assert.equal(down.verdict, 'unchecked');
    assert.match(down.reason, /a: timeout, b: unreachable, c: timeout/);
  });
  it('leaves this machine\'s own earlier builds out', () => {
    const r = compareRebuild(ballot(nf, nf, nf, v('me', '1')), NAMES, decided(), hash('1'), new Set([3]));
    assert.equal(r.verdict, 'first-build');
  });
  it('a tie: reproduced when we match one side, diverged when neither', () => {
    assert.equal(compareRebuild(ballot(v('a', '1'), v('b', '2'), nf, nf), NAMES, decided(), hash('2')).verdict, 'reproduced');
    assert.equal(compareRebuild(ballot(v('a', '1'), v('b', '2'), nf, nf), NAMES, decided(), hash('3')).verdict, 'diverged');
  });
});
