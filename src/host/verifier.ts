/**
 * ed25519 checks on a worker thread, sent in batches: the event loop pays a few
 * microseconds per signature instead of ~80 µs for a thread-pool job, so check keeps
 * the logs' answers flowing while a closure is being verified. The worker uses
 * libsodium when its addon loads (see ed25519.ts), node:crypto otherwise. It holds the
 * process open only while checks are pending.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Ed25519Verify } from '../nixfmt/index.ts';

interface Job { readonly id: number; readonly fp: Uint8Array; readonly sig: Uint8Array; readonly key: Uint8Array }

// The worker's whole program: batches of [id, ok] for batches of jobs. It is source
// text, not a module file, so it runs the same from src/ under tsx and from dist/.
const WORKER = `
const { createPublicKey, verify } = require('node:crypto');
const { parentPort, workerData } = require('node:worker_threads');
let sodium;
try { sodium = workerData.sodium === undefined ? undefined : require(workerData.sodium); } catch {}
const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const keys = new Map();
const bySodium = (j) => j.sig.length === 64 && j.key.length === 32 && sodium.crypto_sign_verify_detached(j.sig, j.fp, j.key);
parentPort.on('message', (jobs) => {
  if (sodium !== undefined) {
    return parentPort.postMessage(jobs.map((j) => { try { return [j.id, bySodium(j)]; } catch { return [j.id, false]; } }));
  }
  parentPort.postMessage(jobs.map((j) => {
    const k = Buffer.from(j.key).toString('base64');
    let key = keys.get(k);
    if (key === undefined) {
      key = createPublicKey({ key: Buffer.concat([SPKI, j.key]), format: 'der', type: 'spki' });
      keys.set(k, key);
    }
    try { return [j.id, verify(null, j.fp, key, j.sig)]; } catch { return [j.id, false]; }
  }));
});
`;

export interface Verifier {
  readonly verify: Ed25519Verify;
  close(): Promise<void>;
}

/** `useSodium: false` keeps to node:crypto (tests check both give the same answers). */
export function createVerifier(opts: { useSodium?: boolean } = {}): Verifier {
  const worker = new Worker(WORKER, { eval: true, workerData: { sodium: opts.useSodium === false ? undefined : sodiumPath() } });
  worker.unref();
  const pending = new Map<number, (ok: boolean) => void>();
  let batch: Job[] = [];
  let next = 0;
  let dead = false;
  const failAll = () => {
    // Fail closed: whatever was pending is not verified, and nothing waits forever.
    dead = true;
    for (const resolve of pending.values()) resolve(false);
    pending.clear();
  };
  worker.on('message', (results: [number, boolean][]) => {
    for (const [id, ok] of results) {
      pending.get(id)?.(ok);
      pending.delete(id);
    }
    if (pending.size === 0) worker.unref();
  });
  worker.on('error', failAll);
  worker.on('exit', failAll);
  const flush = () => {
    const jobs = batch;
    batch = [];
    if (dead) for (const j of jobs) pending.get(j.id)?.(false);
    else worker.postMessage(jobs);
  };
  return {
    verify(fp, sig, key) {
      if (dead) return Promise.resolve(false);
      return new Promise((resolve) => {
        const id = next++;
        pending.set(id, resolve);
        if (batch.length === 0) setImmediate(flush);
        batch.push({ id, fp, sig, key: key.raw });
        worker.ref();
      });
    },
    close: async () => {
      await worker.terminate();
    },
  };
}

/** Where sodium-native resolves from here: the eval'd worker has no module path of its own. */
function sodiumPath(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('sodium-native');
  } catch {
    return undefined;
  }
}
