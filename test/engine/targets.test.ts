/** What a TARGET means, and which mistakes in it are the user's (exit 2) before Nix is asked. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveTargets, TargetError } from '../../src/engine/targets.ts';
import type { NixOps } from '../../src/ops.ts';

/** A Nix that must not be asked. */
const noNix: NixOps = {
  storeDir: '/nix/store',
  validPaths: () => assert.fail('Nix was asked'),
  closure: () => assert.fail('Nix was asked'),
  derivationOutputs: () => assert.fail('Nix was asked'),
  instantiate: () => assert.fail('Nix was asked'),
  installableDerivation: () => assert.fail('Nix was asked'),
};
const resolve = (t: string) => resolveTargets([t], { attrs: [], isFile: () => false }, noNix, new AbortController().signal);

describe('resolveTargets refuses, without asking Nix', () => {
  for (const [target, why] of [
    ['/nix/store/abc', /^\/nix\/store\/abc: /],
    ['/nix/store/', /^\/nix\/store\/: /],
    ['/nix/store/abc/bin/hello', /^\/nix\/store\/abc: /],
    ['./nope.nix', /^\.\/nope\.nix: no such file$/],
    ['nope.nix', /^nope\.nix: no such file$/],
    ['../x/default', /^\.\.\/x\/default: no such file$/],
    ['hello', /^hello: not a store path, a Nix file or an installable/],
  ] as const) {
    it(target, async () => {
      await assert.rejects(resolve(target), (e: unknown) => {
        assert.ok(e instanceof TargetError, String(e));
        assert.equal(e.code, 'TARGET');
        assert.match(e.message, why);
        return true;
      });
    });
  }
});

describe('resolveTargets tells what Nix is asked, before it asks', () => {
  it('names each Nix step, so a long evaluation or closure listing shows', async () => {
    const steps: string[] = [];
    const asked: string[] = [];
    const nix: NixOps = {
      storeDir: '/nix/store',
      validPaths: async (p) => (asked.push(`validPaths after: ${steps.at(-1)}`), new Set(p)),
      closure: async (p) => (asked.push(`closure after: ${steps.at(-1)}`), [...p]),
      derivationOutputs: async () => (asked.push(`derivationOutputs after: ${steps.at(-1)}`), []),
      instantiate: async () => (asked.push(`instantiate after: ${steps.at(-1)}`), ['/nix/store/0rnlhm6fhsp6qw748zyfyzw6fp6w9z6y-x.drv']),
      installableDerivation: () => assert.fail('not an installable'),
    };
    const path = '/nix/store/0rnlhm6fhsp6qw748zyfyzw6fp6w9z6y-hello-2.12.1';
    await resolveTargets([path, './x.nix'], { attrs: ['hello'], isFile: (p) => p === './x.nix', onStep: (s) => steps.push(s) }, nix, new AbortController().signal);
    assert.deepEqual(steps, [
      'evaluating ./x.nix -A hello (nix-instantiate)',
      'looking up 1 path in the local store (nix-store --check-validity)',
      'listing the closure of 1 path (nix-store -qR)',
      'listing the outputs of 1 derivation and their inputs (nix derivation show -r)',
    ]);
    assert.deepEqual(asked, steps.map((s, i) => `${['instantiate', 'validPaths', 'closure', 'derivationOutputs'][i]} after: ${s}`));
  });
});
