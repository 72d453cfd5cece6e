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
  pathInfo: () => assert.fail('Nix was asked'),
  outputsOf: () => assert.fail('Nix was asked'),
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
  const path = '/nix/store/0rnlhm6fhsp6qw748zyfyzw6fp6w9z6y-hello-2.12.1';
  const other = '/nix/store/1rnlhm6fhsp6qw748zyfyzw6fp6w9z6y-gone';
  const recording = (invalid: readonly string[] = []) => {
    const steps: string[] = [];
    const asked: string[] = [];
    const nix: NixOps = {
      storeDir: '/nix/store',
      validPaths: async (p) => (asked.push(`validPaths ${p.length}`), new Set(p.filter((x) => !invalid.includes(x)))),
      closure: async (p) => {
        asked.push(`closure ${p.length} after: ${steps.at(-1)}`);
        if (p.some((x) => invalid.includes(x))) throw new Error(`path '${p[0]}' is not valid`);
        return [...p];
      },
      derivationOutputs: async () => (asked.push(`derivationOutputs after: ${steps.at(-1)}`), []),
      instantiate: async () => (asked.push(`instantiate after: ${steps.at(-1)}`), ['/nix/store/0rnlhm6fhsp6qw748zyfyzw6fp6w9z6y-x.drv']),
      installableDerivation: () => assert.fail('not an installable'),
      pathInfo: () => assert.fail('not asked'),
      outputsOf: () => assert.fail('not asked'),
    };
    return { nix, steps, asked, onStep: (s: string) => void steps.push(s) };
  };

  it('names each Nix step, so a long evaluation or closure listing shows', async () => {
    const { nix, steps, asked, onStep } = recording();
    const roots = await resolveTargets([path, './x.nix'], { attrs: ['hello'], isFile: (p) => p === './x.nix', onStep }, nix, new AbortController().signal);
    assert.deepEqual(steps, [
      'evaluating ./x.nix -A hello (nix-instantiate)',
      'listing the closure of 1 path (nix-store -qR)',
      'listing the outputs of 1 derivation and their inputs (nix derivation show -r)',
    ]);
    assert.deepEqual(asked, [
      'instantiate after: evaluating ./x.nix -A hello (nix-instantiate)',
      'closure 1 after: listing the closure of 1 path (nix-store -qR)',
      'validPaths 1',
      'derivationOutputs after: listing the outputs of 1 derivation and their inputs (nix derivation show -r)',
    ], 'a valid path: its closure at once, beside the validity check, and no second listing');
    assert.deepEqual(roots, { paths: [path], walk: false });
  });

  it('asks again for the closure of the valid targets when one is not in the local store', async () => {
    const { nix, steps, asked, onStep } = recording([other]);
    const roots = await resolveTargets([path, other], { attrs: [], isFile: () => false, onStep }, nix, new AbortController().signal);
    assert.deepEqual(steps, ['listing the closure of 2 paths (nix-store -qR)', 'listing the closure of 1 path in the local store (nix-store -qR)']);
    assert.deepEqual(asked.slice(0, 3), ['closure 2 after: listing the closure of 2 paths (nix-store -qR)', 'validPaths 2', 'closure 1 after: listing the closure of 1 path in the local store (nix-store -qR)']);
    assert.deepEqual(roots, { paths: [path, other], walk: true });
  });
});
