/** The real Ops: undici for HTTP, the monotonic clock, and stderr for diagnostics. */
import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Deadline, LogEvent, Ops } from '../ops.ts';
import { verifyOnThreadPool, type Ed25519Verify, type FingerprintSigner } from '../nixfmt/index.ts';
import { loadEd25519, type Ed25519 } from './ed25519.ts';
import { createHttpClient } from './http.ts';
import { createStartSmallHttpClient } from './http-small.ts';
import { createVerifier, deferredVerifier } from './verifier.ts';

/** Signature checks a run makes before `check` starts its worker (see deferredVerifier). */
export const WORKER_AFTER = 64;
/** Small bodies a run reads with node:http before `check` loads undici (see http-small.ts). */
export const UNDICI_AFTER = 64;

export interface HostOps extends Ops {
  /** ed25519 checks of the logs' signatures. */
  readonly verify: Ed25519Verify;
  /** ed25519 signatures of what serve answers. */
  readonly sign: FingerprintSigner;
  close(): Promise<void>;
}

export interface HostOptions {
  readonly connections: number;
  readonly connectTimeoutMs?: number;
  /**
   * Check signatures on a worker thread rather than on the event loop, once more than
   * WORKER_AFTER have been asked for: check (thousands at once) and serve (four a path,
   * 21 % of its event loop when they ran there; the worker costs it ~10 MB).
   */
  readonly verifyOnWorker?: boolean;
  /**
   * A run that may be small (check): node:http for its first UNDICI_AFTER requests, so a
   * one-path check does not load undici. serve loads undici at once.
   */
  readonly startSmall?: boolean;
  readonly onEvent?: (e: LogEvent) => void;
}

/**
 * A deadline the timer holds strongly: AbortSignal.any over AbortSignal.timeout holds
 * the timeout weakly on Node 20, and a collection can lose it (check then never ends).
 */
export function deadline(ms: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(Object.assign(new Error(`deadline of ${ms / 1000} s passed`), { name: 'TimeoutError' })), ms);
  const onParent = () => controller.abort(parent?.reason);
  if (parent?.aborted === true) onParent();
  else parent?.addEventListener('abort', onParent, { once: true });
  // Thousands of requests listen on one deadline: that is normal, not a leak.
  setMaxListeners(0, controller.signal);
  return {
    signal: controller.signal,
    clear() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}

export function createHostOps(opts: HostOptions): HostOps {
  // libsodium is loaded when first needed: a small check never needs it on this thread.
  let ed25519: Ed25519 | undefined;
  const lib = (): Ed25519 => (ed25519 ??= loadEd25519());
  const onLoop: Ed25519Verify = (fp, sig, key) => lib().verify(fp, sig, key);
  const verifier = opts.verifyOnWorker === true
    ? deferredVerifier({ first: verifyOnThreadPool, threshold: WORKER_AFTER, start: () => createVerifier({ fallback: onLoop }) })
    : undefined;
  if (verifier === undefined) lib();
  const httpOpts = { connections: opts.connections, ...(opts.connectTimeoutMs !== undefined && { connectTimeoutMs: opts.connectTimeoutMs }) };
  const http = opts.startSmall === true ? createStartSmallHttpClient({ ...httpOpts, threshold: UNDICI_AFTER }) : createHttpClient(httpOpts);
  return {
    fetch: (url, req) => http.fetch(url, req),
    fetchText: (url, req) => http.fetchText(url, req),
    fetchBytes: (url, req) => http.fetchBytes(url, req),
    now: () => performance.now(),
    sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined),
    deadline,
    log: (e) => opts.onEvent?.(e),
    verify: verifier?.verify ?? lib().verify,
    sign: (fp, key) => lib().sign(fp, key),
    close: async () => {
      await http.close();
      await verifier?.close();
    },
  };
}
