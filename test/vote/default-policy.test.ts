/**
 * The default policy in JS decides exactly as DEFAULT_POLICY_SOURCE does in the Lua
 * sandbox: every ballot of 1–4 logs over votes for two hashes, misses (not found, other
 * key) and faults, plus inconsistent claims and content-addressed votes recorded from
 * real Nix, gives deep-equal Decisions, reasons included.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Answer, Ballot, Claim, LogInfo } from '../../src/claims.ts';
import { defaultPolicy } from '../../src/vote/default-policy.ts';
import { DEFAULT_POLICY_SOURCE } from '../../src/vote/policy.ts';
import { VECTORS } from '../nixfmt/ca-vectors.ts';
import { ballot, logs, policy, X, Y, type Spec } from './fixtures.ts';

const SPECS: Spec[] = [X, Y, 'miss', 'fault', 'refused', 'other-key'];

function* ballots(configured: readonly LogInfo[], at = 0, specs: Spec[] = []): Generator<Spec[]> {
  if (at === configured.length) return yield specs;
  for (const s of SPECS) yield* ballots(configured, at + 1, [...specs, s]);
}

describe('the default policy without Lua', () => {
  const opened: { close(): void }[] = [];
  after(() => opened.forEach((p) => p.close()));
  const both = (configured: readonly LogInfo[]) => {
    const lua = policy(DEFAULT_POLICY_SOURCE, configured);
    const js = defaultPolicy(configured);
    opened.push(lua, js);
    return (b: Ballot, what: string) => assert.deepEqual(js.decide(b), lua.decide(b), what);
  };

  for (const n of [1, 2, 3, 4]) {
    test(`decides as the Lua default on every ballot of ${n} log${n === 1 ? '' : 's'}`, () => {
      const configured = logs(...['a', 'b', 'c', 'd'].slice(0, n));
      const same = both(configured);
      let count = 0;
      for (const specs of ballots(configured)) {
        same(ballot(configured, ...specs), specs.map((s) => (s === X ? 'X' : s === Y ? 'Y' : s)).join(' '));
        count++;
      }
      assert.equal(count, SPECS.length ** n);
    });
  }

  test('decides as the Lua default on inconsistent claims', () => {
    const abcd = logs('a', 'b', 'c', 'd');
    const same = both(abcd);
    const other = { narHash: X, narSize: 999 };
    same(ballot(abcd, X, X, other, 'miss'), 'outvoted inconsistency');
    same(ballot(abcd, X, other, 'miss', 'miss'), 'tied versions');
    same(ballot(abcd, X, other, Y, Y), 'tied versions, another hash');
  });

  test('decides as the Lua default on content-addressed votes recorded from Nix', () => {
    const abc = logs('a', 'b', 'c');
    const same = both(abc);
    const missing: Answer = { outcome: 'miss', kind: 'not-found', reason: 'no narinfo (HTTP 404)' };
    for (const v of VECTORS) {
      const { sigs: _sigs, ...facts } = v.info;
      const vote = (log: string, over: Partial<Claim> = {}): Answer => ({ outcome: 'vote', claim: { ...facts, log, proof: { kind: 'sample' }, ...over } });
      const b = (answers: Answer[]): Ballot => ({ path: v.info.path, answers });
      same(b([missing, vote('b'), missing]), `${v.file}: one proving vote`);
      same(b([vote('a'), vote('b', { narHash: X }), missing]), `${v.file}: proving votes for two hashes`);
      same(b([vote('a', { ca: 'fixed:sha256:0000000000000000000000000000000000000000000000000000' }), missing, missing]), `${v.file}: a CA that proves nothing`);
    }
  });
});
