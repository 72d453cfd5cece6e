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
