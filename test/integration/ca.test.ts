/**
 * Content-addressed paths prove themselves (issue #14), with real Nix 2.8: a recursive
 * and a flat fixed-output derivation and a builtins.toFile text path are published
 * unsigned to one cache of three; serve trusts them on that one answer because their CA
 * recomputes to their path, keeps the CA line, and Nix substitutes them through serve.
 * The derivations Nix realises the second time have a builder that fails: only a
 * substitution can produce their outputs.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { serveDirectory, type StaticCache } from '../../src/demo/static.ts';
import { generateSecretKey } from '../../src/nixfmt/index.ts';
import { cli, TEST_NIX_CONFIG, type RunResult } from '../cli/run.ts';
import { hasNix } from './fixture.ts';
import { keygen } from './serve-harness.ts';

const skip = hasNix() ? false : 'nix is not installed: run `npm run setup` (installs Debian nix-bin)';
const CONTENT = `self-proving ${Date.now()}\n`;

const expr = (dir: string) => `{ builder ? "printf '%s' \\"$content\\" > $out" }:
let
  fod = mode: hash: builtins.derivation {
    name = "tv-ca-\${mode}"; system = builtins.currentSystem; builder = "/bin/sh";
    content = builtins.readFile ${dir}/content;
    args = [ "-c" builder ];
    outputHashMode = mode; outputHashAlgo = "sha256"; outputHash = hash;
  };
in {
  flat = fod "flat" (builtins.readFile ${dir}/flat.hash);
  recursive = fod "recursive" (builtins.readFile ${dir}/recursive.hash);
  text = builtins.toFile "tv-ca-text" (builtins.readFile ${dir}/content);
}
`;

async function nix(cmd: string, args: string[], conf = TEST_NIX_CONFIG) {
  const r = await execa(cmd, args, { env: { NIX_CONFIG: conf }, reject: false, stdin: 'ignore' });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout).trim(), stderr: String(r.stderr) };
}

describe('content-addressed paths through serve, with one log of three', { skip }, () => {
  let dir: string;
  let file: string;
  let paths: { flat: string; recursive: string; text: string };
  let caches: StaticCache[] = [];
  let serve: { url: string; publicKey: string; stop: () => Promise<RunResult>; stderr: () => string } | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tv-ca-'));
    await writeFile(join(dir, 'content'), CONTENT);
    await writeFile(join(dir, 'flat.hash'), createHash('sha256').update(CONTENT).digest('hex'));
    const contentFile = join(dir, 'content');
    const narHash = await nix('nix-hash', ['--type', 'sha256', '--base32', contentFile]);
    assert.equal(narHash.exitCode, 0, narHash.stderr);
    await writeFile(join(dir, 'recursive.hash'), narHash.stdout);
    file = join(dir, 'ca.nix');
    await writeFile(file, expr(dir));
    const built: Record<string, string> = {};
    for (const attr of ['flat', 'recursive']) {
      const r = await nix('nix-build', [file, '-A', attr, '--no-out-link']);
      assert.equal(r.exitCode, 0, r.stderr);
      built[attr] = r.stdout;
    }
    // builtins.toFile adds its path to the store as it is evaluated.
    const text = await nix('nix-instantiate', ['--eval', '--read-write-mode', file, '-A', 'text']);
    assert.equal(text.exitCode, 0, text.stderr);
    built['text'] = JSON.parse(text.stdout) as string;
    paths = built as typeof paths;
    // One cache holds them, unsigned; two know nothing.
    for (const name of ['has', 'empty-1', 'empty-2']) {
      const d = join(dir, name);
      await mkdir(d);
      if (name === 'has') {
        const r = await nix('nix', ['copy', '--to', `file://${d}`, ...Object.values(paths)]);
        assert.equal(r.exitCode, 0, r.stderr);
      } else {
        await writeFile(join(d, 'nix-cache-info'), 'StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n');
      }
      caches.push(await serveDirectory(d));
    }
    const gone = await nix('nix-store', ['--delete', ...Object.values(paths)]);
    assert.equal(gone.exitCode, 0, gone.stderr);
    const sec = join(dir, 'serve.sec');
    const publicKey = await keygen('tv-ca-serve-1', sec, join(dir, 'serve.pub'));
    const logs = caches.map((c, i) => `[log.c${i}]\nkind = binary-cache\nurl = ${c.url}\nkey = ${generateSecretKey(`c${i}-1`).public}\n`).join('\n');
    const cfg = join(dir, 'config.ini');
    await writeFile(cfg, `${logs}[serve]\nsigning-key = ${sec}\n[state]\ndir = ${join(dir, 'state')}\n`);
    const stop = new AbortController();
    let err = '';
    let listening: (url: string) => void = () => undefined;
    const started = new Promise<string>((r) => (listening = r));
    const exited = cli(['serve', '--config', cfg, '--listen', '127.0.0.1:0'], {
      signal: stop.signal,
      onStderr: (s) => {
        err += s;
        const m = /listening on (http:\/\/[\d.:]+)/.exec(err);
        if (m?.[1]) listening(m[1]);
      },
    });
    const url = await Promise.race([started, exited.then((r) => Promise.reject(new Error(`serve exited: ${r.stderr}`)))]);
    serve = { url, publicKey, stderr: () => err, stop: () => (stop.abort(new Error('SIGTERM received')), exited) };
  });

  after(async () => {
    await serve?.stop();
    await Promise.all(caches.map((c) => c.close()));
    caches = [];
    if (paths !== undefined) await nix('nix-store', ['--delete', ...Object.values(paths)]);
    await rm(dir, { recursive: true, force: true });
  });

  const via = () => [
    TEST_NIX_CONFIG.replace(/^substituters =.*$/m, ''), `substituters = ${serve!.url}`, `trusted-public-keys = ${serve!.publicKey}`,
    'fallback = true', 'narinfo-cache-negative-ttl = 0', 'narinfo-cache-positive-ttl = 0',
  ].join('\n');

  it('serves each with its CA line, trusted as self-verifying on one log\'s word', async () => {
    for (const p of Object.values(paths)) {
      const res = await fetch(`${serve!.url}/${p.slice(11, 43)}.narinfo`);
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assert.match(text, /^CA: (fixed:(r:)?|text:)sha256:/m);
      assert.match(text, /^Sig: tv-ca-serve-1:/m);
    }
    const lines = serve!.stderr().split('\n').filter((l) => l.startsWith('{"event":"decision"')).map((l) => JSON.parse(l) as { path: string; reason: string; missing: unknown[] });
    for (const p of Object.values(paths)) {
      const d = lines.find((l) => l.path === p);
      assert.equal(d?.reason, 'self-verifying (content-addressed)');
      assert.equal(d?.missing.length, 2);
    }
  });

  it('Nix 2.8 substitutes the recursive and the flat fixed-output paths, whose builder would fail', async () => {
    for (const attr of ['recursive', 'flat'] as const) {
      const r = await nix('nix-build', [file, '-A', attr, '--no-out-link', '--argstr', 'builder', 'exit 1'], via());
      assert.equal(r.exitCode, 0, r.stderr);
      assert.equal(r.stdout, paths[attr]);
      assert.match(r.stderr, new RegExp(`copying path '${paths[attr]}' from 'http`));
      assert.equal(await readFile(paths[attr], 'utf8'), CONTENT);
    }
  });

  it('Nix 2.8 substitutes the toFile text path', async () => {
    const r = await nix('nix-store', ['-r', paths.text], via());
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`copying path '${paths.text}' from 'http`));
    assert.equal(await readFile(paths.text, 'utf8'), CONTENT);
  });
});
