/**
 * What `check` prints in the first hour, run in process against signed caches on
 * 127.0.0.1 (narinfos only; the paths are not in the local store, so the closure is
 * learned from the logs and Nix is asked only whether the root is valid): a dead log
 * and a wrong key named after the table and in the reason when they matter, columns
 * that count what they say, --only untrusted, and progress while Nix is asked.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { serveDirectory, type StaticCache } from '../../src/demo/static.ts';
import {
  encodeNix32, fingerprint, formatNarInfo, generateSecretKey, parseNarHash, parseSecretKey, parseStorePath, signFingerprint, type StorePath,
} from '../../src/nixfmt/index.ts';
import { runMain, TEST_NIX_CONFIG } from '../cli/run.ts';
import { hasNix } from './fixture.ts';

const skip = hasNix() ? false : 'nix is not installed: run `npm run setup` (installs Debian nix-bin)';
const NIX32 = '0123456789abcdfghijklmnpqrsvwxyz';

function storePath(name: string): StorePath {
  const digest = createHash('sha256').update(`tv-check-report ${name} ${process.pid}`).digest();
  return parseStorePath(`/nix/store/${Array.from(digest.subarray(0, 32), (b) => NIX32[b % 32]).join('')}-${name}`);
}

describe('check report', { skip }, () => {
  let dir: string;
  const caches: Record<string, StaticCache> = {};
  const keys: Record<string, { secret: string; public: string }> = {};
  const root = storePath('app');
  const libs = [storePath('lib-1'), storePath('lib-2'), storePath('lib-3'), storePath('lib-4')];
  const narHash = (p: string) => parseNarHash(`sha256:${encodeNix32(createHash('sha256').update(p).digest())}`);
  let dead: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tv-check-report-'));
    for (const name of ['a', 'b', 'c']) {
      keys[name] = generateSecretKey(`${name}-1`);
      const key = parseSecretKey(keys[name].secret);
      const cacheDir = join(dir, name);
      await mkdir(cacheDir);
      for (const p of [root, ...libs]) {
        const facts = { path: p, narHash: narHash(p), narSize: 100, references: p === root ? libs : [] };
        const text = formatNarInfo({ ...facts, url: `nar/${p.slice(11, 43)}.nar`, compression: 'none', sigs: [signFingerprint(fingerprint(facts), key)] });
        await writeFile(join(cacheDir, `${p.slice(11, 43)}.narinfo`), text);
      }
      caches[name] = await serveDirectory(cacheDir);
    }
    const closed = await serveDirectory(dir);
    dead = closed.url;
    await closed.close();
  });
  after(async () => {
    await Promise.all(Object.values(caches).map((c) => c.close()));
    await rm(dir, { recursive: true, force: true });
  });

  /** A config of logs a, b, c; `url` and `key` override where each is asked and what key it has. */
  const config = async (over: Record<string, { url?: string; key?: string }> = {}, name = 'c.ini') => {
    const file = join(dir, name);
    await writeFile(file, ['a', 'b', 'c'].map((n) =>
      `[log.${n}]\nkind = binary-cache\nurl = ${over[n]?.url ?? caches[n]!.url}\nkey = ${over[n]?.key ?? keys[n]!.public}\n`).join('\n'));
    return file;
  };
  const check = (args: string[], tty = false) => runMain(['check', '--config', ...args], { env: { ...process.env, NIX_CONFIG: TEST_NIX_CONFIG }, stderrIsTTY: tty });

  it('a dead log: one line after the table names it and its cause; trusted rows keep their reason', async () => {
    const r = await check([await config({ c: { url: dead } }), root]);
    assert.equal(r.exitCode, 0, r.stderr);
    const [table, perLog, summary] = r.stdout.trimEnd().split('\n\n');
    assert.equal(table!.split('\n').length, 1 + 5);
    for (const row of table!.split('\n').slice(1)) assert.match(row, /trusted +2 +0 +0 +1 +2 of 3 logs agree$/);
    assert.match(perLog!, /^c: 5 faults (\(connection refused\)|: \d connection refused, \d log is down \(connection refused\)|: \d log is down \(connection refused\), \d connection refused)$/);
    assert.equal(summary, '5 trusted, 0 would be rebuilt locally');
  });

  it('when a fault could have changed an untrusted path, its reason names the faulting logs', async () => {
    const r = await check([await config({ b: { url: dead }, c: { url: dead } }, 'two-dead.ini'), root]);
    assert.equal(r.exitCode, 1);
    const row = r.stdout.split('\n').find((l) => l.includes('-app'));
    assert.match(row ?? '', /untrusted +1 +0 +0 +2 +only 1 of 3 logs votes sha256:\S+; 2 faults \(policy wants more agreement\); (b, c: connection refused|b: connection refused; c: log is down \(connection refused\)|.*log is down.*)$/);
    assert.match(r.stdout, /^b: 1 fault \(connection refused\)$/m);
  });

  it('a wrong key: the log is asked whether its key is right, and an untrusted path names it', async () => {
    // a's URL serves b's narinfos: signed by b-1, not by a's key.
    const r = await check([await config({ a: { url: caches['b']!.url } }, 'wrong-key.ini'), root]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /^a: 5 answers signed by b-1, not by this log's key a-1 — is its key right\?$/m);
    const two = await check([await config({ a: { url: caches['b']!.url }, c: { url: dead } }, 'wrong-key-dead.ini'), root]);
    const row = two.stdout.split('\n').find((l) => l.includes('-app'));
    assert.match(row ?? '', /; a: signed by b-1, not by this log's key a-1; c: connection refused$/);
  });

  it('columns mean what they say: three logs agree and the policy says no → AGREE 3, OTHER 0', async () => {
    const policy = join(dir, 'never.lua');
    await writeFile(policy, 'return function(path, votes, logs) return nil end\n');
    const r = await check([await config(), '--policy', policy, root]);
    assert.equal(r.exitCode, 1);
    assert.match(r.stdout, /^PATH +VERDICT +AGREE +OTHER +MISSING +FAULT +REASON$/m);
    assert.match(r.stdout.split('\n').find((l) => l.includes('-app')) ?? '', /untrusted +3 +0 +0 +0 +all 3 logs vote sha256:\S+, but the policy did not accept it$/);
  });

  it('--only untrusted prints only what would be rebuilt, as a table or JSON; the summary counts all', async () => {
    const policy = join(dir, 'no-app.lua');
    await writeFile(policy, 'return function(path, votes, logs)\n  if path:find("-app$") then return nil end\n  return trustix.majority(votes, logs)\nend\n');
    const cfg = await config();
    const r = await check([cfg, '--policy', policy, '--only', 'untrusted', root]);
    assert.equal(r.exitCode, 1);
    const [table, summary] = r.stdout.trimEnd().split('\n\n');
    assert.equal(table!.split('\n').length, 2);
    assert.match(table!, /-app +untrusted/);
    assert.equal(summary, '4 trusted, 1 would be rebuilt locally');
    const j = await check([cfg, '--policy', policy, '--only', 'untrusted', '--json', root]);
    assert.deepEqual((JSON.parse(j.stdout) as { path: string }[]).map((d) => d.path), [root]);
    const bad = await check([cfg, '--only', 'trusted', root]);
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stderr, /--only takes "untrusted"/);
  });

  it('shows progress on a terminal while Nix is asked, not only while voting', async () => {
    const r = await check([await config(), root], true);
    assert.equal(r.exitCode, 0);
    assert.match(r.stderr, /listing the closure of 1 path \(nix-store -qR\)…/);
    assert.match(r.stderr, /voting: \d+\/\d+ paths/);
    assert.doesNotMatch((await check([await config(), root])).stderr, /nix-store/, 'nothing when stderr is not a terminal');
  });
});
