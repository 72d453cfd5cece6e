/** The real Ops: undici for HTTP, the monotonic clock, and stderr for diagnostics. */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { LogEvent, Ops } from '../ops.ts';
import { createHttpClient } from './http.ts';

export interface HostOps extends Ops {
  close(): Promise<void>;
}

export function createHostOps(opts: { connections: number; connectTimeoutMs?: number; onEvent?: (e: LogEvent) => void }): HostOps {
  const http = createHttpClient({ connections: opts.connections, ...(opts.connectTimeoutMs !== undefined && { connectTimeoutMs: opts.connectTimeoutMs }) });
  return {
    fetch: (url, req) => http.fetch(url, req),
    now: () => performance.now(),
    sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined),
    log: (e) => opts.onEvent?.(e),
    close: () => http.close(),
  };
}
