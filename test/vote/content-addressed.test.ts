/** trustix.content_addressed and the default policy, over content addresses recorded from real Nix 2.8. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Answer, Ballot, Claim, LogInfo } from '../../src/claims.ts';
import { DEFAULT_POLICY_SOURCE } from '../../src/vote/policy.ts';
import { VECTORS } from '../nixfmt/ca-vectors.ts';
import { fn, logs, policy, X } from './fixtures.ts';

const abc = logs('a', 'b', 'c');
const tofile = VECTORS.find((v) => v.file === 'tofile-refs.json')!;
const fod = VECTORS.find((v) => v.file === 'fod-rec-sha256.json')!;
const flat = VECTORS.find((v) => v.file === 'fod-flat-sha256.json')!;

function vote(log: string, v: (typeof VECTORS)[number], over: Partial<Claim> = {}): Answer {
  const { sigs: _sigs, ...facts } = v.info;
  return { outcome: 'vote', claim: { ...facts, log, proof: { kind: 'sample' }, ...over } };
}
const missing: Answer = { outcome: 'miss', kind: 'not-found', reason: 'no narinfo (HTTP 404)' };
const ballotOf = (v: (typeof VECTORS)[number], answers: Answer[]): Ballot => ({ path: v.info.path, answers });

describe('trustix.content_addressed', () => {
  for (const v of [tofile, fod, flat]) {
    test(`trusts ${v.file} on one log's word while two miss, saying why`, () => {
      const p = policy(DEFAULT_POLICY_SOURCE, abc);
      const d = p.decide(ballotOf(v, [missing, vote('b', v), missing]));
      p.close();
      assert.equal(d.verdict, 'trusted');
      assert.equal(d.narHash, v.info.narHash);
      assert.equal(d.reason, 'self-verifying (content-addressed)');
    });
  }

  test('a CA that does not recompute to the path proves nothing: the majority decides', () => {
    const lying = vote('b', fod, { ca: flat.info.ca });
    const p = policy(DEFAULT_POLICY_SOURCE, abc);
    const d = p.decide(ballotOf(fod, [missing, lying, missing]));
    p.close();
    assert.equal(d.verdict, 'untrusted');
    assert.match(d.reason, /only 1 of 3 logs vote/);
  });

  test('proving votes that name different hashes prove nothing', () => {
    const p = fn('return trustix.content_addressed(p, v)', abc);
    // Same text CA and references, another NarHash: the CA does not cover the NAR's hash.
    const d = p.decide(ballotOf(tofile, [vote('a', tofile), vote('b', tofile, { narHash: X }), missing]));
    p.close();
    assert.equal(d.verdict, 'untrusted');
  });

  test('works on a votes table the policy built itself', () => {
    const p = fn('local mine = {}\nfor _, x in ipairs(v) do if x.log ~= "a" then mine[#mine + 1] = x end end\nreturn trustix.content_addressed(p, mine)', abc);
    const d = p.decide(ballotOf(fod, [missing, vote('b', fod), missing]));
    p.close();
    assert.equal(d.narHash, fod.info.narHash);
  });

  test('the reason names the rule that decided after another found nothing', () => {
    const two: LogInfo[] = logs('cache-a', 'b', 'c');
    const p = fn('return trustix.percentage(v, l, 66) or trustix.name(v, "cache-a")', two);
    const { ca: _ca, ...plain } = (vote('cache-a', fod) as Answer & { outcome: 'vote' }).claim;
    const d = p.decide({ path: fod.info.path, answers: [{ outcome: 'vote', claim: plain }, missing, missing] });
    p.close();
    assert.equal(d.verdict, 'trusted');
    assert.equal(d.reason, '1 of 3 logs agrees; trusted by name("cache-a") after percentage 66 found no winner');
  });
});
