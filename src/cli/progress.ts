/**
 * What `check` is doing, on one line of stderr that rewrites itself, only when a person
 * is watching (stderr is a TTY): the Nix step running (an evaluation can take minutes),
 * with the seconds it has taken so far, then the vote's counter. Warnings are printed
 * whether or not anyone watches.
 *
 *   listing the closure of 1 path (nix-store -qR)… 3 s
 *   voting: 812/2043 paths
 */
import type { LogEvent } from '../ops.ts';
import type { CliIO } from './io.ts';

export interface Progress {
  /** For Ops.log: warnings and the vote's counter. */
  readonly onEvent: (e: LogEvent) => void;
  /** A step of unknown length has begun; it shows until the next step, event or done(). */
  step(what: string): void;
  /** Clears the line. */
  done(): void;
}

const TICK_MS = 1000;
const EVERY_MS = 100;

export function progressPrinter(io: Pick<CliIO, 'stderr' | 'stderrIsTTY'>, now: () => number = Date.now): Progress {
  let last = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  let shown = false;
  const stopTimer = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
  const show = (line: string) => {
    shown = true;
    io.stderr(`\r\x1b[K${line}`);
  };
  return {
    onEvent(e) {
      if (e.kind === 'warn') {
        if (shown) io.stderr('\r\x1b[K');
        io.stderr(`trustix-vote: ${e.message}\n`);
        return;
      }
      if (!io.stderrIsTTY || e.kind !== 'progress') return;
      stopTimer();
      const t = now();
      if (t - last < EVERY_MS && e.done !== e.total) return;
      last = t;
      show(`${e.phase}: ${e.done}/${e.total} paths`);
    },
    step(what) {
      if (!io.stderrIsTTY) return;
      stopTimer();
      const since = now();
      show(`${what}…`);
      timer = setInterval(() => show(`${what}… ${Math.round((now() - since) / 1000)} s`), TICK_MS);
      timer.unref();
    },
    done() {
      stopTimer();
      if (shown) io.stderr('\r\x1b[K');
      shown = false;
    },
  };
}
