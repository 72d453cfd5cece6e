/** The package's public API: package.json's `exports` names a file the build makes, holding the library surface. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as api from '../src/index.ts';

test('exports points at the compiled src/index.ts, which offers the engine, the policy and the formats', async () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: { '.': { default: string; types: string } } };
  assert.equal(pkg.exports['.'].default, './dist/index.js');
  assert.equal(pkg.exports['.'].types, './dist/index.d.ts');
  const build = JSON.parse(readFileSync(new URL('../tsconfig.build.json', import.meta.url), 'utf8')) as { compilerOptions: { rootDir: string; outDir: string } };
  assert.deepEqual([build.compilerOptions.rootDir, build.compilerOptions.outDir], ['src', 'dist'], 'src/index.ts compiles to dist/index.js');
  for (const name of ['createEngine', 'loadPolicy', 'parseConfig', 'parseNarInfo', 'fingerprint', 'createSources', 'LOG_KINDS', 'withLimits', 'NetError', 'miss', 'fault', 'tee', 'startPolicyWorker', 'decisionOf']) {
    assert.ok(name in api, `${name} is exported`);
  }
  const policy = api.loadPolicy({ source: api.DEFAULT_POLICY_SOURCE, chunkName: 'default', logs: [{ name: 'a', weight: 1 }] });
  const path = api.parseStorePath('/nix/store/0rnlhm6fhsp6qw748zyfyzw6fp6w9z6y-hello-2.12.1');
  const d = policy.decide({ path, answers: [api.miss('not-found', 'no narinfo (HTTP 404)')] });
  assert.equal(d.verdict, 'untrusted');
  policy.close();
});
