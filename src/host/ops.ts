/** The real Ops: undici for HTTP, the monotonic clock, and stderr for diagnostics. */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { LogEvent, Ops } from '../ops.ts';
import { verifyOnThreadPool, type Ed25519Verify } from '../nixfmt/index.ts';
import { createHttpClient } from './http.ts';
import { createVerifier } from './verifier.ts';

export interface HostOps extends Ops {
  /** ed25519 checks on a worker thread, for the logs. */
  readonly verify: Ed25519Verify;
  close(): Promise<void>;
}

export interface HostOptions {
  readonly connections: number;
  readonly connectTimeoutMs?: number;
  /**
   * Check signatures on a worker thread (check: thousands at once, ~10 % faster end to
   * end) rather than on libuv's pool (serve: no faster there, and ~10 MB less memory).
   */
  readonly verifyOnWorker?: boolean;
  readonly onEvent?: (e: LogEvent) => void;
}

export function createHostOps(opts: HostOptions): HostOps {
  const verifier = opts.verifyOnWorker === true ? createVerifier() : undefined;
  const http = createHttpClient({ connections: opts.connections, ...(opts.connectTimeoutMs !== undefined && { connectTimeoutMs: opts.connectTimeoutMs }) });
  return {
    fetch: (url, req) => http.fetch(url, req),
    now: () => performance.now(),
    sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined),
    log: (e) => opts.onEvent?.(e),
    verify: verifier?.verify ?? verifyOnThreadPool,
    close: async () => {
      await http.close();
      await verifier?.close();
    },
  };
}
