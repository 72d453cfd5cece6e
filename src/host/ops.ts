/** The real Ops: undici for HTTP, the monotonic clock, and stderr for diagnostics. */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { Deadline, LogEvent, Ops } from '../ops.ts';
import type { Ed25519Verify, FingerprintSigner } from '../nixfmt/index.ts';
import { loadEd25519 } from './ed25519.ts';
import { createHttpClient } from './http.ts';
import { createVerifier } from './verifier.ts';

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
   * Check signatures on a worker thread rather than on the event loop (check: thousands
   * at once). serve keeps them on its event loop: a worker costs it ~15 MB at start and
   * more at its peak, which its memory budget does not allow (see README, serve).
   */
  readonly verifyOnWorker?: boolean;
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
  const ed25519 = loadEd25519();
  const verifier = opts.verifyOnWorker === true ? createVerifier({ fallback: ed25519.verify }) : undefined;
  const http = createHttpClient({ connections: opts.connections, ...(opts.connectTimeoutMs !== undefined && { connectTimeoutMs: opts.connectTimeoutMs }) });
  return {
    fetch: (url, req) => http.fetch(url, req),
    fetchText: (url, req) => http.fetchText(url, req),
    fetchBytes: (url, req) => http.fetchBytes(url, req),
    now: () => performance.now(),
    sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined),
    deadline,
    log: (e) => opts.onEvent?.(e),
    verify: verifier?.verify ?? ed25519.verify,
    sign: ed25519.sign,
    close: async () => {
      await http.close();
      await verifier?.close();
    },
  };
}
