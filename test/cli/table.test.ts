/** check's table: columns that count what their names say. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toJson, toTable, voteColumns } from '../../src/cli/table.ts';
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
});
