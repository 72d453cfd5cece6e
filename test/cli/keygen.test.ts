/** `trustix-vote keygen`: both files or neither, directories made, messages that say what to do. */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parsePublicKey, parseSecretKey } from '../../src/nixfmt/index.ts';
import { runCommand } from './run.ts';

const keygen = (argv: readonly string[], cwd?: string) => runCommand('keygen', argv, cwd === undefined ? {} : { cwd });

describe('keygen', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tv-keygen-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('creates missing directories (0700), a 0600 secret and a 0644 public key, and leaves no temporary file', async () => {
    const etc = join(dir, 'etc', 'trustix-vote');
    const r = await keygen(['myhost-1', '--secret', join(etc, 'key.sec'), '--public', join(etc, 'key.pub')]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal((await stat(join(dir, 'etc'))).mode & 0o777, 0o700);
    assert.equal((await stat(etc)).mode & 0o777, 0o700);
    assert.equal((await stat(join(etc, 'key.sec'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(etc, 'key.pub'))).mode & 0o777, 0o644);
    const sec = parseSecretKey((await readFile(join(etc, 'key.sec'), 'utf8')).trim());
    const pub = (await readFile(join(etc, 'key.pub'), 'utf8')).trim();
    assert.equal(sec.publicKey.text, pub);
    assert.equal(parsePublicKey(pub).name, 'myhost-1');
    assert.equal(r.stdout, `${pub}\n`);
    assert.deepEqual((await readdir(etc)).sort(), ['key.pub', 'key.sec']);
  });

  it('writes nothing when the public file exists, and says what to do', async () => {
    const d = await mkdtemp(join(dir, 'pub-'));
    await writeFile(join(d, 'key.pub'), 'someone else\n');
    const r = await keygen(['myhost-1', '--secret', 'key.sec', '--public', 'key.pub'], d);
    assert.equal(r.exitCode, 2);
    assert.equal(r.stderr, `trustix-vote keygen: ${join(d, 'key.pub')} already exists; remove it or choose another --public path (nothing was written)\n`);
    assert.deepEqual(await readdir(d), ['key.pub'], 'no stray secret, no temporary file');
    assert.equal(await readFile(join(d, 'key.pub'), 'utf8'), 'someone else\n');
  });

  it('writes nothing when the secret file exists', async () => {
    const d = await mkdtemp(join(dir, 'sec-'));
    await writeFile(join(d, 'key.sec'), 'old secret\n');
    const r = await keygen(['myhost-1', '--secret', join(d, 'key.sec'), '--public', join(d, 'new', 'key.pub')]);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /key\.sec already exists; remove it or choose another --secret path/);
    assert.deepEqual(await readdir(d), ['key.sec'], 'not even the public key directory');
  });

  it('says which file cannot be written, in words, and leaves nothing behind', async () => {
    const d = await mkdtemp(join(dir, 'notdir-'));
    await writeFile(join(d, 'plain'), '');
    const r = await keygen(['myhost-1', '--secret', join(d, 'key.sec'), '--public', join(d, 'plain', 'key.pub')]);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /cannot write .*plain(\/key\.pub)? for --public: a part of the path is not a directory \(nothing was written\)\n$/);
    assert.doesNotMatch(r.stderr, /ENOTDIR/);
    assert.deepEqual(await readdir(d), ['plain']);
  });

  it('refuses one file for both keys', async () => {
    const r = await keygen(['myhost-1', '--secret', join(dir, 'same'), '--public', join(dir, 'same')]);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /--secret and --public name the same file/);
  });

  it('says which key names are allowed', async () => {
    const r = await keygen(['bad name', '--secret', join(dir, 'never.sec'), '--public', join(dir, 'never.pub')]);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /^trustix-vote keygen: bad key name "bad name": it may hold any characters but ":" and white space/);
    assert.equal(r.stderr.match(/bad key name/gi)?.length, 1, r.stderr);
  });
});
