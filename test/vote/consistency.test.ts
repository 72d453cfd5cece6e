/** One NarHash, one NarSize, one set of references: the version with most backers stands. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { consistentBallot } from '../../src/vote/consistency.ts';
import { REF_A, REF_B, X, Y, ballot, fn, logs } from './fixtures.ts';

const abc = logs('a', 'b', 'c');
const outcomes = (b: ReturnType<typeof ballot>) => b.answers.map((a) => (a.outcome === 'fault' ? `${a.kind}` : a.outcome));

describe('consistentBallot', () => {
  test('leaves a consistent ballot as it is, references compared as sets', () => {
    const b = ballot(abc, { narHash: X, references: [REF_A, REF_B] }, { narHash: X, references: [REF_B, REF_A] }, { narHash: Y, narSize: 1 });
    assert.equal(consistentBallot(b), b);
  });

  test('a claim with the majority hash and another size is a fault, not a veto', () => {
    const b = ballot(abc, { narHash: X, narSize: 100 }, { narHash: X, narSize: 100 }, { narHash: X, narSize: 101 });
    const c = consistentBallot(b);
    assert.deepEqual(outcomes(c), ['vote', 'vote', 'inconsistent-claim']);
    assert.match(c.answers[2]!.outcome === 'fault' ? c.answers[2]!.reason : '', /^claims NarSize 101 for sha256:.*, where a, b claim 100$/);
  });

  test('so does one extra reference', () => {
    const c = consistentBallot(ballot(abc, { narHash: X, references: [REF_A] }, { narHash: X, references: [REF_A, REF_B] }, { narHash: X, references: [REF_A] }));
    assert.deepEqual(outcomes(c), ['vote', 'inconsistent-claim', 'vote']);
    assert.match(c.answers[1]!.outcome === 'fault' ? c.answers[1]!.reason : '', /other references for sha256:.* than a, c/);
  });

  test('versions that tie stand for nothing', () => {
    const c = consistentBallot(ballot(logs('a', 'b'), { narHash: X, narSize: 1 }, { narHash: X, narSize: 2 }));
    assert.deepEqual(outcomes(c), ['inconsistent-claim', 'inconsistent-claim']);
  });
});

describe('a policy over an inconsistent claim', () => {
  test('the majority still wins; the inconsistent log is listed as a fault', () => {
    const p = fn('return trustix.majority(v, l)', abc);
    const d = p.decide(ballot(abc, { narHash: X, narSize: 100 }, { narHash: X, narSize: 100 }, { narHash: X, narSize: 101 }));
    p.close();
    assert.equal(d.verdict, 'trusted');
    assert.deepEqual(d.agree, ['a', 'b']);
    assert.deepEqual(d.faults.map((f) => [f.log, f.kind]), [['c', 'inconsistent-claim']]);
  });

  test('a policy that wants all three does not get them', () => {
    const p = fn('return trustix.percentage(v, l, 100)', abc);
    const d = p.decide(ballot(abc, { narHash: X, narSize: 100 }, { narHash: X, narSize: 100 }, { narHash: X, narSize: 101 }));
    p.close();
    assert.equal(d.verdict, 'untrusted');
  });
});
