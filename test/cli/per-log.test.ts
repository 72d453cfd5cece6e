/** The lines after check's table: the logs a person must look at, and why. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { perLogLines } from '../../src/cli/per-log.ts';
import type { Decision } from '../../src/vote/types.ts';
import { PATH, X } from '../vote/fixtures.ts';

type Outcome = 'vote' | 'refused' | 'down' | 'timeout' | 'other-key' | 'other-key-2' | 'not-found';

/** One decision per row; each row gives every log's answer, logs a, b, c. */
function decisions(...rows: Outcome[][]): Decision[] {
  return rows.map((row) => {
    const d = { path: PATH, verdict: 'trusted' as const, narHash: X, agree: [] as string[], disagree: [], missing: [] as Decision['missing'][number][], faults: [] as Decision['faults'][number][], reason: '' };
    row.forEach((o, i) => {
      const log = 'abc'[i]!;
      if (o === 'vote') d.agree.push(log);
      else if (o === 'refused') d.faults.push({ log, kind: 'unreachable', reason: 'connection refused' });
      else if (o === 'down') d.faults.push({ log, kind: 'log-down', reason: 'log is down (connection refused)' });
      else if (o === 'timeout') d.faults.push({ log, kind: 'timeout', reason: 'no answer within 5 s' });
      else if (o === 'other-key') d.missing.push({ log, kind: 'other-key', reason: `signed by b-1, not by this log's key ${log}-1` });
      else if (o === 'other-key-2') d.missing.push({ log, kind: 'other-key', reason: `signed by c-1, not by this log's key ${log}-1` });
      else d.missing.push({ log, kind: 'not-found', reason: 'no narinfo (HTTP 404)' });
    });
    return d;
  });
}

const abc = ['a', 'b', 'c'];

describe('per-log lines', () => {
  it('say nothing when every log answered', () => {
    assert.deepEqual(perLogLines(decisions(['vote', 'vote', 'not-found'], ['vote', 'vote', 'vote']), abc), []);
  });

  it('name a dead log and its cause, grouped by reason, most frequent first', () => {
    const rows: Outcome[][] = [['vote', 'vote', 'refused'], ['vote', 'vote', 'refused'], ['vote', 'vote', 'refused'], ...Array.from({ length: 201 }, (): Outcome[] => ['vote', 'vote', 'down'])];
    assert.deepEqual(perLogLines(decisions(...rows), abc), ['c: 204 faults: 201 log is down (connection refused), 3 connection refused']);
    assert.deepEqual(perLogLines(decisions(['vote', 'vote', 'refused']), abc), ['c: 1 fault (connection refused)']);
  });

  it('ask whether the key is right when a log serves copies signed by other keys', () => {
    assert.deepEqual(perLogLines(decisions(['other-key', 'vote', 'vote'], ['other-key', 'vote', 'vote']), abc), [
      "a: 2 answers signed by b-1, not by this log's key a-1 — is its key right?",
    ]);
    assert.deepEqual(perLogLines(decisions(['other-key', 'vote', 'vote'], ['other-key-2', 'vote', 'vote']), abc), [
      "a: 2 answers not signed by its key: 1 signed by b-1, not by this log's key a-1, 1 signed by c-1, not by this log's key a-1 — is its key right?",
    ]);
  });

  it('ask whether the URL is right when a log found none of the paths the others voted on', () => {
    assert.deepEqual(perLogLines(decisions(['vote', 'vote', 'not-found'], ['vote', 'vote', 'not-found']), abc), [
      'c: none of 2 paths found (no narinfo (HTTP 404)) — is its URL right?',
    ]);
    assert.deepEqual(perLogLines(decisions(['vote', 'vote', 'not-found'], ['vote', 'vote', 'vote']), abc), [], 'it has some: a partial cache');
  });

  it('keep configured order, one line per kind of trouble', () => {
    assert.deepEqual(perLogLines(decisions(['timeout', 'other-key', 'refused']), abc), [
      'a: 1 fault (no answer within 5 s)',
      "b: 1 answer signed by b-1, not by this log's key b-1 — is its key right?",
      'c: 1 fault (connection refused)',
    ]);
  });
});
