import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Policy } from '../../src/vote/policy.ts';
import type { LogInfo } from '../../src/claims.ts';
import { X, Y, Z, ballot, fn, logs } from './fixtures.ts';
import type { Spec } from './fixtures.ts';

const open: Policy[] = [];
after(() => open.forEach((p) => p.close()));

/** What `expr` (a Lua expression over v and l) returns for the ballot, as decided by the policy. */
function run(expr: string, configured: readonly LogInfo[], ...specs: Spec[]): string | undefined {
  const p = fn(`return ${expr}`, configured);
  open.push(p);
  const d = p.decide(ballot(configured, ...specs));
  return d.narHash;
}

/** The same, but through a copy of `votes` the policy builds itself (the Lua-table path). */
function runCopy(expr: string, configured: readonly LogInfo[], ...specs: Spec[]): string | undefined {
  const copy = 'local vv = {} for i, x in ipairs(v) do vv[i] = x end local ll = {} for i, x in ipairs(l) do ll[i] = x end';
  const p = fn(`${copy}\nreturn ${expr.replaceAll('(v,', '(vv,').replaceAll(', l,', ', ll,').replaceAll(', l)', ', ll)')}`, configured);
  open.push(p);
  return p.decide(ballot(configured, ...specs)).narHash;
}

const abc = logs('a', 'b', 'c');

for (const [label, eval_] of [['ballot tables', run], ['policy-built tables', runCopy]] as const) {
  describe(`trustix.percentage (${label})`, () => {
    test('3 of 3 reaches 100', () => assert.equal(eval_('trustix.percentage(v, l, 100)', abc, X, X, X), X));
    test('2 of 3 reaches 66 but not 67', () => {
      assert.equal(eval_('trustix.percentage(v, l, 66)', abc, X, X, Y), X);
      assert.equal(eval_('trustix.percentage(v, l, 67)', abc, X, X, Y), undefined);
    });
    test('misses and faults count against: the denominator is every configured log', () => {
      assert.equal(eval_('trustix.percentage(v, l, 100)', abc, X, X, 'miss'), undefined);
      assert.equal(eval_('trustix.percentage(v, l, 67)', abc, X, X, 'fault'), undefined);
      assert.equal(eval_('trustix.percentage(v, l, 66)', abc, X, X, 'fault'), X);
    });
    test('a tie for the most votes gives nil', () => {
      assert.equal(eval_('trustix.percentage(v, l, 50)', logs('a', 'b', 'c', 'd'), X, Y, X, Y), undefined);
    });
    test('of several hashes that qualify, the one with most votes wins', () => {
      assert.equal(eval_('trustix.percentage(v, l, 20)', logs('a', 'b', 'c', 'd', 'e'), X, Y, Y, Z, Y), Y);
    });
    test('no votes at all gives nil', () => {
      assert.equal(eval_('trustix.percentage(v, l, 0)', abc, 'miss', 'fault', 'miss'), undefined);
    });
  });

  describe(`trustix.weighted (${label})`, () => {
    const weighted: LogInfo[] = [{ name: 'a', weight: 3 }, { name: 'b', weight: 1 }, { name: 'c', weight: 1 }];
    test('compares the weight voting a hash with the weight of every configured log', () => {
      assert.equal(eval_('trustix.weighted(v, l, 0.6)', weighted, X, Y, Y), X);
      assert.equal(eval_('trustix.weighted(v, l, 0.61)', weighted, X, Y, Y), undefined);
      assert.equal(eval_('trustix.weighted(v, l, 0.4)', weighted, Y, X, X), Y);
    });
    test('a missing heavy log counts against', () => {
      assert.equal(eval_('trustix.weighted(v, l, 0.5)', weighted, 'miss', X, X), undefined);
      assert.equal(eval_('trustix.weighted(v, l, 0.4)', weighted, 'miss', X, X), X);
    });
  });

  describe(`trustix.majority (${label})`, () => {
    test('needs strictly more than half of the configured logs', () => {
      assert.equal(eval_('trustix.majority(v, l)', abc, X, X, 'miss'), X);
      assert.equal(eval_('trustix.majority(v, l)', logs('a', 'b', 'c', 'd'), X, X, 'miss', 'fault'), undefined);
      assert.equal(eval_('trustix.majority(v, l)', logs('a', 'b', 'c', 'd'), X, X, X, Y), X);
    });
  });

  describe(`trustix.name (${label})`, () => {
    test('returns what that log voted', () => {
      assert.equal(eval_('trustix.name(v, "b")', abc, X, Y, X), Y);
    });
    test('returns nil when that log did not vote', () => {
      assert.equal(eval_('trustix.name(v, "b")', abc, X, 'miss', X), undefined);
      assert.equal(eval_('trustix.name(v, "b")', abc, X, 'fault', X), undefined);
    });
  });
}

describe('composition with or', () => {
  const five = logs('cache-a', 'b', 'c', 'd', 'e');
  const example = 'trustix.percentage(v, l, 66) or trustix.name(v, "cache-a")';
  test('cache-a lies and is outvoted: the 66 % hash wins', () => {
    assert.equal(run(example, five, Y, X, X, X, X), X);
  });
  test('votes split 1:1 with the rest missing: cache-a decides', () => {
    assert.equal(run(example, logs('cache-a', 'b', 'c'), Y, X, 'miss'), Y);
  });
  test('cache-a missing and no 66 %: nobody decides', () => {
    assert.equal(run(example, logs('cache-a', 'b', 'c'), 'miss', X, Y), undefined);
  });
});

describe('built-in argument errors are loud', () => {
  const reason = (body: string): string => {
    const p = fn(body, abc);
    open.push(p);
    return p.decide(ballot(abc, X, X, X)).reason;
  };
  test('a log name that is not configured', () => {
    assert.match(reason('return trustix.name(v, "cache-typo")'), /policy error: .*policy\.lua:2: .*no configured log is named "cache-typo"/);
  });
  test('a percentage that is not a number', () => {
    assert.match(reason('return trustix.percentage(v, l, "most")'), /policy error: .*bad argument #3/);
  });
  test('a votes table of the wrong shape', () => {
    assert.match(reason('return trustix.majority({ 1, 2 }, l)'), /policy error: .*votes\[1\] is not a table/);
  });
});
