/**
 * Kind `binary-cache`: an HTTP binary cache and the key its builder signs with.
 *
 * GET <url>/<hashPart>.narinfo →
 *   200 + narinfo signed by this log's key, for the asked path → vote
 *   404/403, or a narinfo signed only by other keys (a copy)  → miss
 *   anything else (timeout, refused, 5xx, bad signature, malformed, wrong path) → fault
 */
import pLimit from 'p-limit';
import {
  checkNarInfoSigAsync,
  hashPartOf,
  MAX_NARINFO_BYTES,
  parseNarInfo,
  type Ed25519Verify,
  type HashPart,
  type PublicKey,
  type StorePath,
} from '../../nixfmt/index.ts';
import type { Ops } from '../../ops.ts';
import type { Answer, Claim } from '../../vote/types.ts';
import type { LogSource, QueryLimits } from '../types.ts';
import { createHealth } from './health.ts';
import { describeError, isTransient } from './errors.ts';

export interface CacheLogConfig {
  readonly name: string;
  readonly url: string;
  readonly key: PublicKey;
  readonly weight: number;
}

export function createCacheLog(cfg: CacheLogConfig, limits: QueryLimits, ops: Ops, verifyWith?: Ed25519Verify): LogSource {
  const base = cfg.url.replace(/\/+$/, '');
  const limit = pLimit(limits.perLog);
  const health = createHealth({ threshold: 3, coolDownMs: 30_000 });

  async function attempt(hashPart: HashPart, expected: StorePath | undefined, signal: AbortSignal): Promise<Answer> {
    const res = await ops.fetchText(`${base}/${hashPart}.narinfo`, { signal, timeoutMs: limits.timeoutMs, maxBytes: MAX_NARINFO_BYTES });
    if (res.status === 404 || res.status === 403 || res.status === 410) return { outcome: 'miss', reason: `no narinfo (HTTP ${res.status})` };
    if (res.status !== 200) throw new HttpStatusError(res.status);
    return judge(res.text, hashPart, expected);
  }

  async function judge(text: string, hashPart: HashPart, expected: StorePath | undefined): Promise<Answer> {
    let info;
    try {
      info = parseNarInfo(text);
    } catch (e) {
      return { outcome: 'fault', reason: `malformed narinfo: ${describeError(e)}` };
    }
    if (hashPartOf(info.storePath) !== hashPart || (expected !== undefined && info.storePath !== expected)) {
      return { outcome: 'fault', reason: `narinfo for ${hashPart} names another path: ${info.storePath}` };
    }
    const sig = await checkNarInfoSigAsync(info, cfg.key, verifyWith);
    if (sig === 'absent') return { outcome: 'miss', reason: `a copy not signed by ${cfg.key.name}` };
    if (sig === 'invalid') return { outcome: 'fault', reason: `bad signature by ${cfg.key.name}` };
    const claim: Claim = {
      log: cfg.name,
      path: info.storePath,
      narHash: info.narHash,
      narSize: info.narSize,
      references: info.references,
      ...(info.deriver !== undefined && { deriver: info.deriver }),
      ...(info.ca !== undefined && { ca: info.ca }),
      upstream: { url: base, narinfo: info },
    };
    return { outcome: 'vote', claim };
  }

  async function query(hashPart: HashPart, expected: StorePath | undefined, signal: AbortSignal): Promise<Answer> {
    for (let tries = 0; ; tries++) {
      if (signal.aborted) return { outcome: 'fault', reason: 'no answer before the run deadline' };
      const down = health.down(ops.now());
      if (down !== undefined) return { outcome: 'fault', reason: down };
      try {
        const answer = await attempt(hashPart, expected, signal);
        health.ok();
        return answer;
      } catch (e) {
        if (signal.aborted) return { outcome: 'fault', reason: 'no answer before the run deadline' };
        const reason = isTimeout(e) ? `no answer within ${limits.timeoutMs / 1000} s` : describeError(e);
        if (isConnectionFailure(e)) health.failed(reason, ops.now());
        if (tries >= limits.retries || !isTransient(e)) return { outcome: 'fault', reason };
        await ops.sleep(100 * 2 ** tries, signal);
      }
    }
  }

  return {
    name: cfg.name,
    kind: 'binary-cache',
    weight: cfg.weight,
    // Per-log first, then global: a task waiting on a slow log holds no global slot.
    query: (hashPart, expected, signal) => limit(() => limits.global(() => query(hashPart, expected, signal))),
  };
}

export class HttpStatusError extends Error {
  readonly code = 'HTTP_STATUS';
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

function isTimeout(e: unknown): boolean {
  return e instanceof Error && (e.name === 'TimeoutError' || (e.cause instanceof Error && e.cause.name === 'TimeoutError'));
}

function isConnectionFailure(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|UND_ERR_CONNECT_TIMEOUT)$/.test(code);
}
