import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { DEFAULT_POLICY_SOURCE, PolicyLoadError, loadPolicy } from '../../src/vote/policy.ts';
import type { Policy } from '../../src/vote/policy.ts';
import { narHashToSri } from '../../src/nixfmt/index.ts';
import { PATH, REF_A, REF_B, X, Y, Z, ballot, fn, logs, policy } from './fixtures.ts';

const abc = logs('a', 'b', 'c');
const open: Policy[] = [];
after(() => open.forEach((p) => p.close()));
function keep(p: Policy): Policy {
  open.push(p);
  return p;
}

function loadError(source: string, file = '/etc/trustix-vote/policy.lua'): PolicyLoadError {
  try {
    loadPolicy({ source, chunkName: file, logs: abc }).close();
  } catch (e) {
    assert.ok(e instanceof PolicyLoadError, String(e));
    assert.equal(e.code, 'POLICY_LOAD');
    return e;
  }
  assert.fail('policy loaded');
}

describe('loading', () => {
  test('a syntax error names file and line', () => {
    const e = loadError('return function(p, v, l)\n  return v[1].nar_hash +* 2\nend');
    assert.equal(e.line, 2);
    assert.match(e.message, /^\/etc\/trustix-vote\/policy\.lua:2: unexpected symbol near '\*'$/);
  });
  test('a long file path is shown whole', () => {
    const file = `/nix/store/${'a'.repeat(32)}-trustix-vote-policy/etc/policy.lua`;
    const e = loadError('return function(p, v, l)\n\nend end', file);
    assert.equal(e.message.startsWith(`${file}:3: `), true, e.message);
  });
  test('a chunk that returns a number', () => {
    assert.match(loadError('return 42').message, /policy\.lua: the chunk must return function\(path, votes, logs\), but it returned number/);
  });
  test('a chunk that returns nothing', () => {
    assert.match(loadError('local x = 1').message, /but it returned nil/);
  });
  test('a chunk that fails while running', () => {
    const e = loadError('local t = nil\nlocal x = t.field\nreturn function() end');
    assert.equal(e.line, 2);
    assert.match(e.message, /attempt to index a nil value \(local 't'\)/);
  });
  test('duplicate log names are a programming error', () => {
    assert.throws(() => loadPolicy({ source: DEFAULT_POLICY_SOURCE, chunkName: 'x', logs: logs('a', 'a') }), TypeError);
  });
});

describe('what the policy returns', () => {
  test('runtime errors name file and line', () => {
    const d = keep(fn('local n = nil\nreturn n + 1', abc)).decide(ballot(abc, X, X, X));
    assert.equal(d.verdict, 'untrusted');
    assert.equal(d.reason, "policy error: /etc/trustix-vote/policy.lua:3: attempt to perform arithmetic on a nil value (local 'n')");
  });
  test('error() with a table value', () => {
    assert.match(keep(fn('error({})', abc)).decide(ballot(abc, X, X, X)).reason, /^policy error: .*error object is a table value/);
  });
  test('a number, a table or true is not a verdict', () => {
    for (const [ret, type] of [['1', 'number'], ['{}', 'table'], ['true', 'boolean'], ['v', 'table']]) {
      const d = keep(fn(`return ${ret}`, abc)).decide(ballot(abc, X, X, X));
      assert.equal(d.verdict, 'untrusted');
      assert.match(d.reason, new RegExp(`policy returned a ${type}; it must return a nar_hash string`));
    }
  });
  test('a hash nobody voted for', () => {
    const d = keep(fn(`return "${Z}"`, abc)).decide(ballot(abc, X, X, Y));
    assert.equal(d.verdict, 'untrusted');
    assert.equal(d.reason, `policy returned ${Z}, which no log voted for`);
  });
  test('a string that is no hash at all', () => {
    const d = keep(fn('return "yes please"', abc)).decide(ballot(abc, X, X, Y));
    assert.equal(d.verdict, 'untrusted');
    assert.equal(d.reason, 'policy returned "yes please", which no log voted for');
  });
  test('a voted hash spelled as SRI or hex is normalised and trusted', () => {
    const d = keep(fn(`return "${narHashToSri(X)}"`, abc)).decide(ballot(abc, X, X, Y));
    assert.equal(d.verdict, 'trusted');
    assert.equal(d.narHash, X);
    const hex = keep(fn(`return "sha256:${'a'.repeat(64)}"`, abc)).decide(ballot(abc, X, X, Y));
    assert.equal(hex.narHash, X);
  });
  test('nil with a reason keeps the reason', () => {
    const d = keep(fn('return nil, "we build glibc ourselves"', abc)).decide(ballot(abc, X, X, X));
    assert.equal(d.verdict, 'untrusted');
    assert.equal(d.reason, 'we build glibc ourselves');
  });
  test('nil without a reason gets one from the tally', () => {
    const d = keep(fn('return nil', abc)).decide(ballot(abc, X, Y, 'miss'));
    assert.match(d.reason, /^logs split 1:1 with no leader/);
  });
});

describe('backers must agree on what the hash describes', () => {
  test('different references: untrusted, naming the logs', () => {
    const d = keep(fn(`return "${X}"`, abc)).decide(ballot(abc, { narHash: X, references: [REF_A] }, { narHash: X, references: [REF_A, REF_B] }, Y));
    assert.equal(d.verdict, 'untrusted');
    assert.match(d.reason, /^policy returned sha256:\w+, but logs a, b claim sha256:\w+… with different NAR sizes or references, none more often: none is believed$/);
  });
  test('different NAR sizes: untrusted', () => {
    const d = keep(fn(`return "${X}"`, abc)).decide(ballot(abc, { narHash: X, narSize: 1 }, { narHash: X, narSize: 2 }, 'miss'));
    assert.equal(d.verdict, 'untrusted');
    assert.match(d.reason, /but logs a, b claim .* with different NAR sizes or references/);
    assert.deepEqual(d.faults.map((f) => f.kind), ['inconsistent-claim', 'inconsistent-claim']);
  });
  test('the same references in another order are the same set', () => {
    const d = keep(fn(`return "${X}"`, abc)).decide(ballot(abc, { narHash: X, references: [REF_A, REF_B] }, { narHash: X, references: [REF_B, REF_A] }, Y));
    assert.equal(d.verdict, 'trusted');
  });
  test('a disagreeing log may list other references', () => {
    const d = keep(fn(`return "${X}"`, abc)).decide(ballot(abc, X, X, { narHash: Y, references: [] }));
    assert.equal(d.verdict, 'trusted');
  });
});

describe('the Decision', () => {
  test('lists who agreed, disagreed, missed and failed', () => {
    const five = logs('a', 'b', 'c', 'd', 'e');
    const d = keep(fn('return trustix.percentage(v, l, 40)', five)).decide(ballot(five, X, Y, X, 'miss', 'fault'));
    assert.deepEqual(d, {
      path: PATH,
      verdict: 'trusted',
      narHash: X,
      agree: ['a', 'c'],
      disagree: [{ log: 'b', narHash: Y }],
      missing: [{ log: 'd', kind: 'not-found', reason: 'HTTP 404' }],
      faults: [{ log: 'e', kind: 'timeout', reason: 'no answer within 5 s' }],
      reason: '2 of 5 logs agree; b voted otherwise',
    });
  });
  test('a ballot with the wrong number of answers is a programming error', () => {
    assert.throws(() => keep(policy(DEFAULT_POLICY_SOURCE, abc)).decide(ballot(logs('a', 'b'), X, X)), TypeError);
  });
  test('a closed policy refuses to decide', () => {
    const p = policy(DEFAULT_POLICY_SOURCE, abc);
    p.close();
    assert.throws(() => p.decide(ballot(abc, X, X, X)), /closed/);
  });
});

describe('the default policy', () => {
  const p = keep(policy(DEFAULT_POLICY_SOURCE, logs('a', 'b', 'c', 'd')));
  test('trusts a strict majority of configured logs', () => {
    assert.equal(p.decide(ballot(p.logs, X, X, X, Y)).narHash, X);
    assert.equal(p.decide(ballot(p.logs, X, X, X, 'miss')).narHash, X);
  });
  test('half is not enough, and misses count against', () => {
    assert.equal(p.decide(ballot(p.logs, X, X, Y, Y)).verdict, 'untrusted');
    const d = p.decide(ballot(p.logs, X, X, 'miss', 'fault'));
    assert.equal(d.verdict, 'untrusted');
    assert.equal(d.reason, 'only 2 of 4 logs vote ' + `${X.slice(0, 15)}…; 1 missing, 1 fault (policy wants more agreement); d: no answer within 5 s`);
  });
});
