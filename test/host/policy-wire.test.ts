/** Ballots packed for the policy's worker: what the policy sees survives the trip, provenance does not travel. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Ballot, Claim } from '../../src/claims.ts';
import { packBallots, unpackBallots } from '../../src/host/policy-wire.ts';
import { parseStorePath } from '../../src/nixfmt/index.ts';
import { PATH, REF_A, REF_B, X, Y, answer, ballot, logs } from '../vote/fixtures.ts';

const abcd = logs('a', 'b', 'c', 'd');
const DRV = parseStorePath('/nix/store/4m1gfhqkvw2b4a6pmzl7hf0l0h6l9rrr-hello-2.12.1.drv');

/** A ballot as the policy sees it: every field but proof and upstream. */
function seen(b: Ballot) {
  return { path: b.path, answers: b.answers.map((a) => (a.outcome === 'vote' ? { outcome: a.outcome, claim: facts(a.claim) } : a)) };
}
function facts(c: Claim) {
  const { proof: _proof, upstream: _upstream, ...rest } = c;
  return rest;
}

describe('policy wire', () => {
  it('carries votes, misses and faults, with what agreeing votes share sent once', () => {
    const ballots: Ballot[] = [
      ballot(abcd, X, X, 'miss', 'fault'),
      ballot(abcd, { narHash: X, deriver: DRV, ca: 'fixed:r:sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s' }, { narHash: X, references: [REF_A, REF_B] }, { narHash: Y, narSize: 99 }, X),
      { path: PATH, answers: [answer('z', X), answer('b', Y, REF_A), { outcome: 'miss', kind: 'other-key', reason: 'signed by cache-b-1, not by this log\'s key' }, answer('d', Y)] },
    ];
    const upstream = { url: 'http://u', narUrl: 'nar/x.nar.xz', compression: 'xz' };
    const withUpstream = ballots.map((b) => ({ ...b, answers: b.answers.map((a) => (a.outcome === 'vote' ? { ...a, claim: { ...a.claim, upstream } } : a)) }));
    const packed = packBallots(withUpstream, abcd);
    assert.ok(packed.every((v) => typeof v === 'string' || typeof v === 'number'), 'a flat list of strings and numbers');
    assert.ok(!packed.includes('http://u'), 'no upstream');
    assert.equal(packed.filter((v) => v === X).length, 4, 'a hash the vote before named too is not sent again');
    assert.ok(packed.includes('z'), 'a claim by another log name says so');
    assert.deepEqual(unpackBallots(packed, abcd).map(seen), ballots.map(seen));
  });

  it('packs nothing for no ballots', () => {
    assert.deepEqual(unpackBallots(packBallots([], abcd), abcd), []);
  });
});
