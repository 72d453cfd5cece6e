/**
 * A log that refuses connections or never answers should cost a few failures, not
 * one timeout per path of the closure: after a few consecutive such failures the
 * log is treated as down for a cool-down period and answers fault at once. The
 * first question after the cool-down goes through; its answer decides.
 */
export interface Health {
  /** The reason the log is considered down, or undefined when it may be asked. */
  down(now: number): string | undefined;
  ok(): void;
  failed(reason: string, now: number): void;
}

export function createHealth(opts: { threshold: number; coolDownMs: number }): Health {
  let consecutive = 0;
  let until = -Infinity;
  // The same words, one string, for every answer while it is down: a run's report adds
  // them up, and check keeps a decision per path.
  let downReason = '';
  return {
    down(now) {
      return now < until ? downReason : undefined;
    },
    ok() {
      consecutive = 0;
      until = -Infinity;
    },
    failed(reason, now) {
      consecutive += 1;
      downReason = `log is down (${reason})`;
      if (consecutive >= opts.threshold) until = now + opts.coolDownMs;
    },
  };
}
