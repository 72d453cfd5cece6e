/**
 * The Nix side, with the real Nix on this machine (no nixpkgs here): every .nix file
 * parses, nix/config.nix turns the module's option values into an INI that the real
 * `trustix-vote config check` accepts, and nix/npm-lock.nix gives every locked
 * package its registry URL.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { before, describe, it } from 'node:test';
import { execa } from 'execa';
import { generateSecretKey } from '../../src/nixfmt/index.ts';
import { cli } from '../cli/run.ts';
import { hasNix } from '../integration/fixture.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const skip = hasNix() ? false : 'nix is not installed: run `npm run setup` (installs Debian nix-bin)';

/** nix/config.nix applied to `input` (sent as JSON), evaluated by nix-instantiate. */
async function configNix(input: unknown): Promise<{ ok: true; ini: string } | { ok: false; stderr: string }> {
  const r = await execa('nix-instantiate', ['--eval', '--strict', '--json', '--argstr', 'input', JSON.stringify(input),
    '-E', `{ input }: import ${join(ROOT, 'nix/config.nix')} (builtins.fromJSON input)`], { reject: false });
  return r.exitCode === 0 ? { ok: true, ini: JSON.parse(r.stdout) as string } : { ok: false, stderr: r.stderr };
}

async function nixFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (['node_modules', '.git', 'dist', '.demo', '.scratch'].includes(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await nixFiles(p)));
    else if (e.name.endsWith('.nix')) out.push(p);
  }
  return out;
}

describe('nix files', { skip }, () => {
  it('all parse (nix-instantiate --parse)', async () => {
    const files = await nixFiles(ROOT);
    for (const f of ['flake.nix', 'nix/package.nix', 'nix/module.nix', 'nix/config.nix', 'nix/npm-lock.nix', 'nix/tests/vote.nix']) {
      assert.ok(files.includes(join(ROOT, f)), `${f} is found`);
    }
    for (const f of files) {
      const r = await execa('nix-instantiate', ['--parse', f], { reject: false });
      assert.equal(r.exitCode, 0, `${relative(ROOT, f)}: ${r.stderr}`);
    }
  });
});

describe('nix/config.nix → config check', { skip }, () => {
  let dir: string;
  const keys = ['cache.nixos.org-1', 'builder-b-1', 'builder-c-1'].map((n) => generateSecretKey(n).public);
  const serve = generateSecretKey('myhost-trustix-vote-1');
  const odd = 'odd;name #1.lua'; // ";" and "#" would start an INI comment unquoted

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tv-nixconfig-'));
    await mkdir(join(dir, 'state'));
    await writeFile(join(dir, 'serve.sec'), `${serve.secret}\n`);
    for (const [f, pct] of [['default.lua', 66], ['strict.lua', 100], [odd, 50]] as const) {
      await writeFile(join(dir, f), `return function(p, v, l) return trustix.percentage(v, l, ${pct}) end\n`);
    }
  });

  /** What the module passes today: no named policies, no [state], no trusted-until. */
  const today = () => ({
    logs: {
      'cache.nixos.org': { kind: 'binary-cache', url: 'https://cache.nixos.org', publicKey: keys[0], weight: 2, trustedUntil: null },
      'builder-b': { kind: 'binary-cache', url: 'http://127.0.0.1:8081', publicKey: keys[1], weight: 0.5, trustedUntil: null as string | null },
      'builder-c': { kind: 'binary-cache', url: 'http://127.0.0.1:8082', publicKey: keys[2], weight: 1, trustedUntil: null },
    },
    policyFile: join(dir, odd),
    policies: {},
    mode: 'enforce',
    listen: '127.0.0.1:37515',
    signingKeyFile: join(dir, 'serve.sec'),
    upstreams: ['https://cache.nixos.org', 'http://127.0.0.1:8081'],
    query: { timeout: 3, deadline: 30 },
    stateDir: null,
    settings: { query: { retries: 3 }, serve: { mode: 'report' } },
  });

  /** Everything the module writes: named policies and the state directory too. */
  const representative = () => ({
    ...today(),
    policyFile: join(dir, 'default.lua'),
    policies: { strict: { policyFile: join(dir, 'strict.lua') }, 'ci.odd': { policyFile: join(dir, odd) } },
    stateDir: join(dir, 'state'),
  });

  const check = async (name: string, input: unknown) => {
    const r = await configNix(input);
    assert.ok(r.ok, r.ok ? '' : r.stderr);
    const file = join(dir, name);
    await writeFile(file, r.ini);
    return { ini: r.ini, run: await cli(['config', 'check', file]) };
  };

  it('writes what the options say, in sections serve reads, and config check passes', async () => {
    const { ini, run } = await check('today.ini', today());
    assert.equal(run.exitCode, 0, `${run.stderr}\n${ini}`);
    assert.match(ini, /^\[policy\]\nfile = "[^"\n]*odd;name #1\.lua"\n/, 'quoted, so ";" and "#" stay in the value');
    assert.match(ini, /\n\[log\.cache\.nixos\.org\]\nkey = cache\.nixos\.org-1:[^\n]+\nkind = binary-cache\nurl = https:\/\/cache\.nixos\.org\nweight = 2\n/);
    assert.doesNotMatch(ini, /\[state\]|\[policy\.|trusted-until/, 'null and empty options write nothing');
    assert.match(run.stdout, /^logs \(3\):$/m);
    assert.match(run.stdout, /^ {2}builder-b +binary-cache +weight 0\.5 +http:\/\/127\.0\.0\.1:8081 /m);
    assert.ok(run.stdout.includes(join(dir, odd)), run.stdout);
    assert.match(run.stdout, /mode report/, 'settings win over the options');
    assert.match(run.stdout, /query: timeout 3 s, deadline 30 s, .* retries 3/);
    assert.match(run.stdout, /upstreams: https:\/\/cache\.nixos\.org http:\/\/127\.0\.0\.1:8081/);
    assert.ok(run.stdout.includes(serve.public), 'the signing key is read and matches');
  });

  it('writes named policies and the state directory, and config check loads every policy', async () => {
    const { ini, run } = await check('representative.ini', representative());
    assert.match(ini, /\n\[policy\.ci\.odd\]\nfile = "[^"\n]*odd;name #1\.lua"\n\n\[policy\.strict\]\nfile = [^\n]*strict\.lua\n/);
    assert.match(ini, /\n\[state\]\ndir = [^\n]*\/state\n/);
    assert.equal(run.exitCode, 0, `${run.stderr}\n${ini}`);
    assert.match(run.stdout, /^policies \(3, loaded\):$/m);
    assert.match(run.stdout, /^ {2}\/ +[^\n]*default\.lua$/m);
    assert.match(run.stdout, /^ {2}\/policy\/strict\/ +[^\n]*strict\.lua$/m);
    assert.match(run.stdout, /^ {2}\/policy\/ci\.odd\/ +[^\n]*odd;name #1\.lua$/m);
    assert.ok(run.stdout.includes(`state: ${join(dir, 'state')}`), run.stdout);
  });

  it('writes trusted-until for a log that has one, and config check accepts it', async () => {
      const input = today();
      input.logs['builder-b'] = { ...input.logs['builder-b'], trustedUntil: '2030-01-01T00:00:00Z' };
      const { ini, run } = await check('until.ini', input);
      assert.match(ini, /\n\[log\.builder-b\]\n(?:[^\n[]+\n)*trusted-until = 2030-01-01T00:00:00Z\n/);
      assert.equal(run.exitCode, 0, `${run.stderr}\n${ini}`);
    });

  for (const [desc, change, why] of [
    ['a log name a section cannot hold', { logs: { 'a]b': { kind: 'binary-cache', url: 'http://x', publicKey: 'k-1:x' } } }, /log name "a\]b" may hold only/],
    ['a value over two lines', { listen: '127.0.0.1:1\n[log.evil]' }, /\[serve\] listen must be one line/],
    ['a settings section with a space', { settings: { 'bad name': { k: 'v' } } }, /section name "bad name"/],
    ['a list where a value goes', { settings: { query: { timeout: [1] } } }, /\[query\] timeout must be a string, path, number or boolean/],
  ] as const) {
    it(`refuses ${desc} at evaluation`, async () => {
      const r = await configNix({ ...today(), ...change });
      assert.ok(!r.ok, 'evaluation must fail');
      assert.match(r.stderr, why);
    });
  }
});

describe('nix/npm-lock.nix', { skip }, () => {
  it('gives every locked package the registry URL of its version', async () => {
    const r = await execa('nix-instantiate', ['--eval', '--strict', '--json', '-E',
      `builtins.mapAttrs (k: v: { resolved = v.resolved or null; version = v.version or null; }) (import ${join(ROOT, 'nix/npm-lock.nix')} (builtins.fromJSON (builtins.readFile ${join(ROOT, 'package-lock.json')}))).packages`]);
    const pkgs = JSON.parse(r.stdout) as Record<string, { resolved: string | null; version: string | null }>;
    for (const [key, p] of Object.entries(pkgs)) {
      if (key === '') continue;
      const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
      const base = name.slice(name.indexOf('/') + 1);
      assert.equal(p.resolved, `https://registry.npmjs.org/${name}/-/${base}-${p.version}.tgz`, key);
    }
    assert.equal(pkgs['node_modules/@types/node']?.resolved, `https://registry.npmjs.org/@types/node/-/node-${pkgs['node_modules/@types/node']?.version}.tgz`);
  });
});
