/**
 * A log is a named, independent builder. Every kind of log (a plain binary cache, a
 * Trustix log, ...) is a LogSource: asked about one store path, it answers with a
 * verified vote, a miss or a fault. It never throws: whatever goes wrong is a fault
 * with a one-line reason, and a fault never counts as agreement.
 */
import type { HashPart, StorePath } from '../nixfmt/index.ts';
import type { Answer, LogName } from '../vote/types.ts';

export interface LogSource {
  readonly name: LogName;
  readonly kind: string;
  readonly weight: number;
  /**
   * What this log says about the path with this hash part. `expected` is the full
   * path when the caller knows it; a narinfo naming another path is then a fault.
   */
  query(hashPart: HashPart, expected: StorePath | undefined, signal: AbortSignal): Promise<Answer>;
}

export interface QueryLimits {
  /** Milliseconds one request may take. */
  readonly timeoutMs: number;
  /** Extra attempts after a transient failure (connection reset, 5xx, 429). */
  readonly retries: number;
  /** Requests in flight to one log at once. */
  readonly perLog: number;
  /** Shared by every log of a run: bounds requests in flight over all logs. */
  readonly global: <T>(fn: () => Promise<T>) => Promise<T>;
}
