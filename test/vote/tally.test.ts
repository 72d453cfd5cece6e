import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { abbreviate, buildDecision, trustedReason, untrustedReason } from '../../src/vote/tally.ts';
import { X, Y, Z, ballot, logs } from './fixtures.ts';

const abc = logs('a', 'b', 'c');
const short = (h: string): string => `${h.slice(0, 15)}…`;

describe('buildDecision', () => {
  test('untrusted: every vote counts as disagreeing, and there is no narHash', () => {
    const d = buildDecision(ballot(abc, X, Y, 'fault'), abc, undefined, 'why');
    assert.equal(d.verdict, 'untrusted');
    assert.equal('narHash' in d, false);
    assert.deepEqual(d.agree, []);
    assert.deepEqual(d.disagree, [{ log: 'a', narHash: X }, { log: 'b', narHash: Y }]);
    assert.deepEqual(d.faults, [{ log: 'c', kind: 'timeout', reason: 'no answer within 5 s' }]);
    assert.equal(d.reason, 'why');
  });
  test('trusted: agree holds the winner\'s backers', () => {
    const d = buildDecision(ballot(abc, X, 'miss', X), abc, X, 'ok');
    assert.equal(d.narHash, X);
    assert.deepEqual(d.agree, ['a', 'c']);
    assert.deepEqual(d.missing, [{ log: 'b', kind: 'not-found', reason: 'HTTP 404' }]);
  });
});

describe('reasons', () => {
  test('abbreviate keeps the algorithm and 8 digits', () => {
    assert.equal(abbreviate(X), short(X));
    assert.equal(abbreviate('sha256:abc'), 'sha256:abc');
  });
  test('trusted', () => {
    assert.equal(trustedReason(ballot(abc, X, X, Y), X), '2 of 3 logs agree; c voted otherwise');
    assert.equal(trustedReason(ballot(abc, X, X, 'miss'), X), '2 of 3 logs agree');
    assert.equal(trustedReason(ballot(logs('a'), X), X), '1 of 1 log agrees');
    assert.equal(trustedReason(ballot(abc, X, 'miss', 'miss'), X), '1 of 3 logs agrees');
  });
  test('one leader without enough agreement', () => {
    assert.equal(untrustedReason(ballot(abc, X, Y, 'miss'), abc).startsWith('logs split 1:1'), true);
    assert.equal(
      untrustedReason(ballot(abc, X, 'miss', 'miss'), abc),
      `only 1 of 3 logs votes ${short(X)}; 2 missing (policy wants more agreement)`,
    );
    assert.equal(
      untrustedReason(ballot(logs('a', 'b', 'c', 'd'), X, X, Y, 'fault'), logs('a', 'b', 'c', 'd')),
      `only 2 of 4 logs vote ${short(X)}; 1 disagrees, 1 fault (policy wants more agreement); d: no answer within 5 s`,
    );
  });
  test('a leader with dissent and a miss', () => {
    assert.equal(
      untrustedReason(ballot(logs('a', 'b', 'c', 'd'), X, Y, 'miss', X), logs('a', 'b', 'c', 'd')),
      `only 2 of 4 logs vote ${short(X)}; 1 disagrees, 1 missing (policy wants more agreement)`,
    );
  });
  test('a tie names the tied hashes', () => {
    const four = logs('a', 'b', 'c', 'd');
    assert.equal(
      untrustedReason(ballot(four, X, Y, Z, 'miss'), four),
      `logs split 1:1:1 with no leader (${short(X)} vs ${short(Y)} vs ${short(Z)}); 1 missing`,
    );
  });
  test('nobody voted', () => {
    assert.equal(untrustedReason(ballot(abc, 'miss', 'fault', 'miss'), abc), 'none of 3 logs vote; 2 missing, 1 fault; b: no answer within 5 s');
  });
  test('everyone agreed but the policy said no', () => {
    assert.equal(untrustedReason(ballot(abc, X, X, X), abc), `all 3 logs vote ${short(X)}, but the policy did not accept it`);
  });
  test('one log: singular words', () => {
    const a = logs('a');
    assert.equal(untrustedReason(ballot(a, X), a), `the only log votes ${short(X)}, but the policy did not accept it`);
    assert.equal(untrustedReason(ballot(a, 'miss'), a), 'the only log does not vote; 1 missing');
    assert.equal(untrustedReason(ballot(a, 'refused'), a), 'the only log does not vote; 1 fault; a: connection refused');
  });
  test('an untrusted path names the logs that faulted, grouped by reason', () => {
    assert.equal(
      untrustedReason(ballot(abc, X, 'refused', 'refused'), abc),
      `only 1 of 3 logs votes ${short(X)}; 2 faults (policy wants more agreement); b, c: connection refused`,
    );
    assert.equal(
      untrustedReason(ballot(abc, 'refused', 'refused', 'refused'), abc),
      'none of 3 logs vote; 3 faults; a, b, c: connection refused',
    );
    assert.equal(
      untrustedReason(ballot(abc, X, Y, 'fault'), abc),
      `logs split 1:1 with no leader (${short(X)} vs ${short(Y)}); 1 fault; c: no answer within 5 s`,
    );
  });
  test('an untrusted path names a log whose copy is signed by another key', () => {
    assert.equal(
      untrustedReason(ballot(abc, 'other-key', X, 'miss'), abc),
      `only 1 of 3 logs votes ${short(X)}; 2 missing (policy wants more agreement); a: signed by cache-b-1, not by this log's key a-1`,
    );
  });
  test('a trusted path keeps its reason short: the faults did not change it', () => {
    assert.equal(trustedReason(ballot(abc, X, X, 'refused'), X), '2 of 3 logs agree');
  });
});

