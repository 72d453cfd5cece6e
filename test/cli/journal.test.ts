/** why, report, evidence and post-build-hook as commands: exit statuses and messages, on a journal made here. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseSince } from '../../src/cli/journal-config.ts';
import { openJournal } from '../../src/journal/index.ts';
import { generateSecretKey } from '../../src/nixfmt/index.ts';
import { hash, path } from '../engine/fakes.ts';
import { runCommand } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'tv-cli-journal-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const config = (state: string) => {
  const file = join(dir, `${state}.ini`);
  writeFileSync(file, `[state]\ndir = ${join(dir, state)}\n[log.a]\nkind = binary-cache\nurl = http://127.0.0.1:1\nkey = ${generateSecretKey('a-1').public}\n`);
  return file;
};
const P = path('hello', 3);

describe('journal commands', () => {
  it('say there is no journal yet (exit 4), and never create one', async () => {
    const cfg = config('empty');
    for (const [name, args] of [['why', [P]], ['report', []], ['evidence', []]] as const) {
      const r = await runCommand(name, ['--config', cfg, ...args]);
      assert.equal(r.exitCode, 4, `${name}: ${r.stderr}`);
      assert.match(r.stderr, /no journal at .*empty\/journal\.sqlite: nothing has been recorded yet/);
    }
  });

  it('find the configuration in TRUSTIX_VOTE_CONFIG', async () => {
    const r = await runCommand('report', [], { env: { TRUSTIX_VOTE_CONFIG: config('env') } });
    assert.match(r.stderr, /env\/journal\.sqlite/);
  });

  it('read a journal: why (0 known, 1 unknown), report, evidence (0 none)', async () => {
    const cfg = config('full');
    const j = openJournal({ file: join(dir, 'full', 'journal.sqlite'), logs: [], source: 'check', keepDays: 90, warn: () => undefined, alarm: () => undefined });
    j.decided({ path: P, verdict: 'untrusted', agree: [], disagree: [{ log: 'a', narHash: hash('1') }], missing: [], faults: [], reason: 'only 1 of 3' }, { path: P, answers: [] }, '');
    j.close();
    const why = await runCommand('why', ['--config', cfg, P.slice('/nix/store/'.length)]);
    assert.equal(why.exitCode, 0, why.stderr);
    assert.match(why.stdout, /check: untrusted\n {6}only 1 of 3\n {6}a +voted sha256:/);
    assert.equal((await runCommand('why', ['--config', cfg, path('other', 4)])).exitCode, 1);
    const report = await runCommand('report', ['--config', cfg, '--json']);
    assert.equal(report.exitCode, 0);
    assert.equal((JSON.parse(report.stdout) as { decisions: { untrusted: number } }).decisions.untrusted, 1);
    const ev = await runCommand('evidence', ['--config', cfg]);
    assert.deepEqual([ev.exitCode, ev.stdout], [0, 'no evidence of equivocation\n']);
  });

  it('refuse usage mistakes with exit 2', async () => {
    const cfg = config('usage');
    assert.equal((await runCommand('why', ['--config', cfg])).exitCode, 2);
    assert.equal((await runCommand('why', ['--config', cfg, 'hello'])).exitCode, 2);
    assert.equal((await runCommand('report', ['--config', cfg, '--since', 'yesterday'])).exitCode, 2);
    assert.equal((await runCommand('post-build-hook', [])).exitCode, 2);
    const none = await runCommand('post-build-hook', ['--drain'], { env: {}, readFile: () => undefined });
    assert.equal(none.exitCode, 2);
    assert.match(none.stderr, /pass --config FILE or set TRUSTIX_VOTE_CONFIG/);
  });

  it('prints the hook\'s path for nix.conf', async () => {
    const r = await runCommand('post-build-hook', ['--print-path']);
    assert.match(r.stdout, /\/hooks\/post-build-hook\n$/);
  });

  it('reads --since as a date, an instant or an age', () => {
    assert.equal(parseSince('2026-10-01', 0), Date.parse('2026-10-01T00:00:00Z'));
    assert.equal(parseSince('2026-10-01T12:00:00+02:00', 0), Date.parse('2026-10-01T10:00:00Z'));
    assert.equal(parseSince('7d', 10 * 86_400_000), 3 * 86_400_000);
    assert.equal(parseSince('12h', 86_400_000), 43_200_000);
    assert.throws(() => parseSince('last week', 0), { code: 'USAGE' });
  });
});
