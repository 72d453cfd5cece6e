/**
 * ed25519 checks on a worker thread, sent in batches: the event loop pays a few
 * microseconds per signature instead of ~60 µs of libsodium (or ~80 µs of a thread-pool
 * job), so the logs' answers keep flowing while a closure is being verified. The worker
 * uses libsodium when its addon loads (see ed25519.ts), node:crypto otherwise. It holds
 * the process open only while checks are pending.
 *
 * At most IN_FLIGHT batches are with the worker at once; while it is busy, checks
 * gather into the next batch, sent when an answer comes back. Batches grow with the
 * load (a closure's checks go in a few hundred posts, not one per turn of the event
 * loop), and each post wakes the worker's thread: on a loaded machine a wake-up costs
 * far more than the copy.
 *
 * A batch travels as one transferred buffer. Typed arrays posted one by one would each
 * be cloned with their whole backing store, and a small Buffer's backing store is
 * Node's 8 KiB pool: a 300-byte fingerprint would cost 8 KiB in both heaps.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Ed25519Verify, PublicKey } from '../nixfmt/index.ts';

const SIG_BYTES = 64;
const IN_FLIGHT = 2;
const KEY_BYTES = 32;

// The worker's whole program: a result byte per job for a packed batch of jobs. It is
// source text, not a module file, so it runs the same from src/ under tsx and from dist/.
const WORKER = `
const { createPublicKey, verify } = require('node:crypto');
const { parentPort, workerData } = require('node:worker_threads');
let sodium;
try { sodium = workerData.sodium === undefined ? undefined : require(workerData.sodium); } catch {}
const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const keys = new Map();
function byCrypto(fp, sig, raw) {
  const k = Buffer.from(raw).toString('base64');
  let key = keys.get(k);
  if (key === undefined) keys.set(k, (key = createPublicKey({ key: Buffer.concat([SPKI, raw]), format: 'der', type: 'spki' })));
  return verify(null, fp, key, sig);
}
const check = sodium === undefined ? byCrypto : (fp, sig, raw) => sodium.crypto_sign_verify_detached(sig, fp, raw);
parentPort.postMessage(sodium === undefined ? 'node:crypto' : 'libsodium');
parentPort.on('message', (buf) => {
  const bytes = new Uint8Array(buf);
  const view = new DataView(buf);
  const n = view.getUint32(0, true);
  const out = new Uint8Array(n);
  let at = 4;
  for (let i = 0; i < n; i++) {
    const len = view.getUint32(at, true);
    const fp = bytes.subarray(at + 4, at + 4 + len);
    const sig = bytes.subarray(at + 4 + len, at + 4 + len + ${SIG_BYTES});
    const raw = bytes.subarray(at + 4 + len + ${SIG_BYTES}, at + 4 + len + ${SIG_BYTES + KEY_BYTES});
    at += 4 + len + ${SIG_BYTES + KEY_BYTES};
    try { out[i] = check(fp, sig, raw) ? 1 : 0; } catch { out[i] = 0; }
  }
  parentPort.postMessage(out.buffer, [out.buffer]);
});
`;

interface Job { readonly fp: Uint8Array; readonly sig: Uint8Array; readonly key: PublicKey; readonly resolve: (ok: boolean) => void }

export interface Verifier {
  readonly verify: Ed25519Verify;
  /** What the worker checks with, once it has started (undefined if it never did). */
  readonly library: Promise<'libsodium' | 'node:crypto' | undefined>;
  close(): Promise<void>;
}

export interface VerifierOptions {
  /** false keeps to node:crypto (tests check both give the same answers). */
  readonly useSodium?: boolean;
  /**
   * Where checks go once the worker has died (serve: libsodium on the event loop), so
   * a daemon does not distrust every signature from then on. Checks pending at the
   * death fail closed. Without it, every later check fails.
   */
  readonly fallback?: Ed25519Verify;
  /** The worker's program; tests give one that dies. */
  readonly program?: string;
}

export function createVerifier(opts: VerifierOptions = {}): Verifier {
  const worker = new Worker(opts.program ?? WORKER, { eval: true, workerData: { sodium: opts.useSodium === false ? undefined : sodiumPath() } });
  worker.unref();
  /** Batches sent and not answered yet, oldest first: the worker answers in order. */
  const sent: Job[][] = [];
  let batch: Job[] = [];
  /** A flush is due on the next turn of the event loop. */
  let scheduled = false;
  let pending = 0;
  let dead = false;
  let closed = false;
  const failSent = () => {
    for (const jobs of sent.splice(0)) for (const j of jobs) j.resolve(false);
    pending = 0;
  };
  let started: (library: 'libsodium' | 'node:crypto' | undefined) => void = () => undefined;
  const library = new Promise<'libsodium' | 'node:crypto' | undefined>((resolve) => (started = resolve));
  worker.on('message', (buf: ArrayBuffer | 'libsodium' | 'node:crypto') => {
    if (typeof buf === 'string') return void started(buf);
    const results = new Uint8Array(buf);
    const jobs = sent.shift() ?? [];
    jobs.forEach((j, i) => j.resolve(results[i] === 1));
    pending -= jobs.length;
    if (batch.length > 0 && !scheduled) flush();
    if (pending === 0) worker.unref();
  });
  const die = () => {
    // Fail closed: what was pending is not verified, and nothing waits forever.
    dead = true;
    failSent();
    started(undefined);
    // A batch that waited for the worker's answer goes elsewhere (or fails) now.
    if (batch.length > 0 && !scheduled) flush();
  };
  worker.on('error', die);
  worker.on('exit', die);
  const flush = () => {
    scheduled = false;
    // The worker is busy: this batch goes when it answers (the message handler above).
    if (!dead && sent.length >= IN_FLIGHT) return;
    const jobs = batch;
    batch = [];
    if (dead) {
      for (const j of jobs) void elsewhere(j.fp, j.sig, j.key).then(j.resolve);
      return;
    }
    const buf = pack(jobs);
    sent.push(jobs);
    pending += jobs.length;
    worker.ref();
    worker.postMessage(buf, [buf]);
  };
  const elsewhere: Ed25519Verify = (fp, sig, key) =>
    closed || opts.fallback === undefined ? Promise.resolve(false) : opts.fallback(fp, sig, key).catch(() => false);
  return {
    library,
    verify(fp, sig, key) {
      if (sig.length !== SIG_BYTES || key.raw.length !== KEY_BYTES) return Promise.resolve(false);
      if (dead) return elsewhere(fp, sig, key);
      return new Promise((resolve) => {
        if (!scheduled && (batch.length === 0 || sent.length < IN_FLIGHT)) {
          scheduled = true;
          setImmediate(flush);
        }
        batch.push({ fp, sig, key, resolve });
      });
    },
    close: async () => {
      dead = closed = true;
      failSent();
      if (batch.length > 0 && !scheduled) flush();
      await worker.terminate();
    },
  };
}

/** [count u32] then, per job, [fingerprint length u32][fingerprint][signature][key]. */
function pack(jobs: readonly Job[]): ArrayBuffer {
  let size = 4;
  for (const j of jobs) size += 4 + j.fp.length + SIG_BYTES + KEY_BYTES;
  const buf = new ArrayBuffer(size);
  const bytes = new Uint8Array(buf);
  const view = new DataView(buf);
  view.setUint32(0, jobs.length, true);
  let at = 4;
  for (const j of jobs) {
    view.setUint32(at, j.fp.length, true);
    bytes.set(j.fp, at + 4);
    bytes.set(j.sig, at + 4 + j.fp.length);
    bytes.set(j.key.raw, at + 4 + j.fp.length + SIG_BYTES);
    at += 4 + j.fp.length + SIG_BYTES + KEY_BYTES;
  }
  return buf;
}

/** Where sodium-native resolves from here: the eval'd worker has no module path of its own. */
function sodiumPath(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('sodium-native');
  } catch {
    return undefined;
  }
}

export interface DeferredVerifier {
  readonly verify: Ed25519Verify;
  /** Whether the worker has been started (tests, and the timing of small runs). */
  readonly started: boolean;
  close(): Promise<void>;
}

/**
 * A worker only once it pays: starting one costs ~100 ms of CPU and loading libsodium
 * ~30 ms, more than a one-path `check` verifies in all. The first `threshold` checks
 * go to `first` (node:crypto on the thread pool: nothing to load); from then on, the
 * worker `start` makes does them.
 */
export function deferredVerifier(opts: { readonly first: Ed25519Verify; readonly threshold: number; readonly start: () => Verifier }): DeferredVerifier {
  let count = 0;
  let worker: Verifier | undefined;
  let closed = false;
  return {
    verify(fp, sig, key) {
      if (closed) return Promise.resolve(false);
      if (worker === undefined && ++count <= opts.threshold) return opts.first(fp, sig, key);
      worker ??= opts.start();
      return worker.verify(fp, sig, key);
    },
    get started() {
      return worker !== undefined;
    },
    async close() {
      closed = true;
      await worker?.close();
    },
  };
}
