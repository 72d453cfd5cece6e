/** ed25519 checks on the worker thread: right answers, in batches, and never a hang. */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import { loadEd25519 } from '../../src/host/ed25519.ts';
import { createVerifier, deferredVerifier } from '../../src/host/verifier.ts';
import { parsePublicKey, verifyOnThreadPool } from '../../src/nixfmt/index.ts';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const key = parsePublicKey(`k-1:${Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('base64')}`);
const other = parsePublicKey(`k-2:${Buffer.alloc(32, 9).toString('base64')}`);

describe('verifier', () => {
  for (const useSodium of [true, false]) it(`accepts good signatures and refuses flipped bits and other keys, in one batch (${useSodium ? 'libsodium' : 'node:crypto'})`, async () => {
    const v = createVerifier({ useSodium });
    try {
      const fps = Array.from({ length: 50 }, (_, i) => Buffer.from(`1;/nix/store/x-${i};sha256:0;1;`));
      const sigs = fps.map((fp) => sign(null, fp, privateKey));
      const bad = Buffer.from(sigs[0]!);
      bad[5]! ^= 1;
      const results = await Promise.all([
        ...fps.map((fp, i) => v.verify(fp, sigs[i]!, key)),
        v.verify(fps[0]!, bad, key),
        v.verify(fps[0]!, sigs[0]!, other),
        v.verify(fps[1]!, sigs[0]!, key),
      ]);
      assert.deepEqual(results, [...fps.map(() => true), false, false, false]);
    } finally {
      await v.close();
    }
  });

  it('checks with libsodium in the worker when the addon loads there, and with node:crypto when told to', async () => {
    const sodium = createVerifier();
    const crypto = createVerifier({ useSodium: false });
    try {
      assert.equal(await sodium.library, loadEd25519().library, 'the worker loads what the main thread loads');
      assert.equal(await crypto.library, 'node:crypto');
    } finally {
      await sodium.close();
      await crypto.close();
    }
  });

  it('fails the checks pending when its worker dies, then sends later ones to the fallback', async () => {
    const dies = "require('node:worker_threads').parentPort.on('message', () => process.exit(3));";
    const fp = Buffer.from('1;/nix/store/x;sha256:0;1;');
    const good = sign(null, fp, privateKey);
    const bare = createVerifier({ program: dies });
    const withFallback = createVerifier({ program: dies, fallback: loadEd25519().verify });
    try {
      assert.equal(await bare.verify(fp, good, key), false, 'pending when the worker died: fail closed');
      assert.equal(await bare.library, undefined, 'it never said it had started');
      assert.equal(await withFallback.verify(fp, good, key), false, 'pending when the worker died: fail closed');
      assert.equal(await bare.verify(fp, good, key), false, 'no fallback: every later check fails');
      assert.equal(await withFallback.verify(fp, good, key), true, 'the fallback checks it');
      const bad = Buffer.from(good);
      bad[0]! ^= 1;
      assert.equal(await withFallback.verify(fp, bad, key), false, 'and refuses a forgery');
    } finally {
      await bare.close();
      await withFallback.close();
    }
  });

  it('answers every check right when they come over many turns, gathered while the worker is busy', async () => {
    const v = createVerifier();
    try {
      const fps = Array.from({ length: 300 }, (_, i) => Buffer.from(`1;/nix/store/x-${i};sha256:0;1;`));
      const sigs = fps.map((fp, i) => (i % 7 === 3 ? Buffer.alloc(64, 1) : sign(null, fp, privateKey)));
      const answers: Promise<boolean>[] = [];
      for (let i = 0; i < fps.length; i++) {
        answers.push(v.verify(fps[i]!, sigs[i]!, key));
        if (i % 10 === 9) await new Promise((r) => setImmediate(r));
      }
      assert.deepEqual(await Promise.all(answers), fps.map((_, i) => i % 7 !== 3));
    } finally {
      await v.close();
    }
  });

  it('a batch waiting for a busy worker goes to the fallback when the worker dies, or fails closed without one', async () => {
    // Answers nothing; dies once two batches are with it, while a third waits.
    const busyThenDies = "let n = 0; require('node:worker_threads').parentPort.on('message', () => { if (++n === 2) setTimeout(() => process.exit(3), 50); });";
    const fp = Buffer.from('1;/nix/store/x;sha256:0;1;');
    const good = sign(null, fp, privateKey);
    const turn = () => new Promise((r) => setImmediate(r));
    for (const fallback of [loadEd25519().verify, undefined]) {
      const v = createVerifier({ program: busyThenDies, ...(fallback && { fallback }) });
      try {
        const first = v.verify(fp, good, key);
        await turn();
        const second = v.verify(fp, good, key);
        await turn();
        const waiting = v.verify(fp, good, key);
        assert.deepEqual(await Promise.all([first, second]), [false, false], 'with the worker when it died: fail closed');
        assert.equal(await waiting, fallback !== undefined, fallback ? 'checked by the fallback' : 'no fallback: fails closed');
      } finally {
        await v.close();
      }
    }
  });

  it('answers false, at once, once the worker is gone', async () => {
    const v = createVerifier();
    await v.close();
    const fp = Buffer.from('x');
    assert.equal(await v.verify(fp, sign(null, fp, privateKey), key), false);
  });

  it('deferred: no worker for a few checks; the worker, once started, for all the rest', async () => {
    let started = 0;
    const v = deferredVerifier({ first: verifyOnThreadPool, threshold: 3, start: () => (started++, createVerifier()) });
    try {
      const fps = Array.from({ length: 6 }, (_, i) => Buffer.from(`1;/nix/store/x-${i};sha256:0;1;`));
      const sigs = fps.map((fp) => sign(null, fp, privateKey));
      const bad = Buffer.from(sigs[0]!);
      bad[1]! ^= 1;
      assert.deepEqual(await Promise.all([v.verify(fps[0]!, sigs[0]!, key), v.verify(fps[0]!, bad, key), v.verify(fps[1]!, sigs[1]!, other)]), [true, false, false]);
      assert.equal(v.started, false, 'three checks: no worker');
      assert.deepEqual(await Promise.all([...fps.map((fp, i) => v.verify(fp, sigs[i]!, key)), v.verify(fps[0]!, bad, key)]), [...fps.map(() => true), false]);
      assert.equal(v.started, true);
      assert.equal(started, 1, 'one worker');
    } finally {
      await v.close();
    }
    const fp = Buffer.from('x');
    assert.equal(await v.verify(fp, sign(null, fp, privateKey), key), false, 'closed: fails closed');
  });
});
