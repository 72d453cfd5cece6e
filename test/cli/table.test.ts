/** check's table: columns that count what their names say. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sortDecisions, toJson, toTable, voteColumns } from '../../src/cli/table.ts';
import { parseStorePath } from '../../src/nixfmt/index.ts';
import { buildDecision } from '../../src/vote/tally.ts';
import { X, Y, Z, ballot, logs } from '../vote/fixtures.ts';

const abc = logs('a', 'b', 'c');
const four = logs('a', 'b', 'c', 'd');

describe('check table', () => {
  it('three logs agree and the policy says no: AGREE 3, OTHER 0', () => {
    const d = buildDecision(ballot(abc, X, X, X), abc, undefined, 'policy said no');
    assert.deepEqual(voteColumns(d), { agree: 3, other: 0 });
    const [head, row] = toTable([d]).split('\n');
    assert.match(head!, /^PATH +VERDICT +AGREE +OTHER +MISSING +FAULT +REASON$/);
    assert.match(row!, /untrusted +3 +0 +0 +0 +policy said no$/);
  });

  it('untrusted: AGREE counts the leading hash, OTHER the rest', () => {
    assert.deepEqual(voteColumns(buildDecision(ballot(four, X, Y, X, 'miss'), four, undefined, '')), { agree: 2, other: 1 });
    assert.deepEqual(voteColumns(buildDecision(ballot(abc, X, Y, Z), abc, undefined, '')), { agree: 1, other: 2 });
    assert.deepEqual(voteColumns(buildDecision(ballot(abc, 'miss', 'fault', 'miss'), abc, undefined, '')), { agree: 0, other: 0 });
  });

  it('trusted: AGREE counts the trusted hash, even when it is not the most voted', () => {
    assert.deepEqual(voteColumns(buildDecision(ballot(abc, X, X, Y), abc, X, '')), { agree: 2, other: 1 });
    assert.deepEqual(voteColumns(buildDecision(ballot(abc, X, Y, Y), abc, X, '')), { agree: 1, other: 2 });
  });

  it('--json keeps agree and disagree relative to the trusted hash', () => {
    const [j] = JSON.parse(toJson([buildDecision(ballot(abc, X, X, 'miss'), abc, undefined, 'no')])) as { agree: string[]; disagree: unknown[] }[];
    assert.deepEqual(j!.agree, []);
    assert.deepEqual(j!.disagree, [{ log: 'a', narHash: X }, { log: 'b', narHash: X }]);
  });

  it('writes a large closure in pieces, as JSON.stringify would have written it whole', () => {
    const one = buildDecision(ballot(abc, X, X, 'miss'), abc, X, 'majority');
    const many = Array.from({ length: 150_000 }, (_, i) => ({ ...one, path: parseStorePath(`/nix/store/${String(i).padStart(32, '0')}-p${i % 7}`) }));
    const text = toJson(many.slice(0, 2500));
    assert.equal(text, JSON.stringify(many.slice(0, 2500).map((d) => ({ path: d.path, verdict: d.verdict, narHash: d.narHash ?? null, agree: d.agree, disagree: d.disagree, missing: d.missing, faults: d.faults, reason: d.reason })), null, 2));
    assert.equal(toJson([]), '[]');
    const lines = toTable(many).split('\n');
    assert.equal(lines.length, 150_001, 'no spread of 150,000 rows into Math.max');
    const sorted = sortDecisions(many.slice(0, 20));
    assert.deepEqual(sorted.map((d) => d.path.slice(-2)), [...sorted.map((d) => d.path.slice(-2))].sort());
  });
});
