/**
 * serve's periodic drain of the post-build hook's queue: one drain at a time, a few
 * paths at once, on a timer that never holds the process open. It shares serve's
 * logs and limits, so Nix's own requests compete with at most `CONCURRENCY` paths.
 */
import { createNixOps } from '../host/nix.ts';
import { ensureSpool, spoolDirOf } from '../host/spool.ts';
import { createPublisher } from './publish.ts';
import { drain, type DrainResult } from './drain.ts';
import type { CliIO } from './io.ts';
import type { Setup } from './setup.ts';

const CONCURRENCY = 4;
/** The first drain waits this long: serve's start is for Nix. */
const FIRST_MS = 5_000;

export function startDrains(io: CliIO, s: Setup, write: (line: string) => void): { stop(): Promise<void> } {
  const every = s.config.journal.drainEveryMs;
  const journal = s.journal;
  if (journal === undefined || every <= 0) return { stop: async () => undefined };
  const dir = spoolDirOf(s.config.stateDir);
  const policy = s.policies[0];
  if (policy === undefined) return { stop: async () => undefined };
  const nix = createNixOps();
  const publishTo = s.config.publish?.stateDir;
  const warn = (message: string) => write(`${JSON.stringify({ event: 'warn', message })}\n`);
  let running: Promise<void> | undefined;
  let failing = false;
  void ensureSpool(dir).catch((e: unknown) => warn(`cannot create the build queue ${dir}: ${e instanceof Error ? e.message : String(e)}`));
  const once = () => {
    if (running !== undefined || io.signal.aborted) return;
    const publisher = publishTo === undefined ? undefined : createPublisher(publishTo, warn);
    running = drain({
      engine: s.engine, policy, logs: s.logs, journal, nix, ops: s.ops, spoolDir: dir, signal: io.signal,
      concurrency: CONCURRENCY, deadlineMs: s.config.query.deadlineMs, now: Date.now, warn,
      ...(publisher !== undefined && { publish: publisher.publish }),
    }).finally(() => publisher?.close()).then((r) => {
      const published = publisher === undefined ? {} : { published: { ...publisher.counts } };
      if (r.recorded.length > 0 || r.corrupt.length > 0 || r.failed !== undefined) write(`${JSON.stringify({ event: 'drain', ...drainFields(r), ...published })}\n`);
      failing = r.failed !== undefined;
    }, (e: unknown) => {
      if (!failing) warn(`draining the build queue failed: ${e instanceof Error ? e.message : String(e)}; trying again in ${every / 1000} s`);
      failing = true;
    }).finally(() => {
      running = undefined;
    });
  };
  const first = setTimeout(once, Math.min(FIRST_MS, every));
  const timer = setInterval(once, every);
  first.unref();
  timer.unref();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}

export function drainFields(r: DrainResult): Record<string, unknown> {
  const count = (v: string) => r.recorded.filter((b) => b.verdict === v).length;
  return {
    recorded: r.recorded.length, reproduced: count('reproduced'), diverged: count('diverged'), firstBuild: count('first-build'), unchecked: count('unchecked'),
    divergedPaths: r.recorded.filter((b) => b.verdict === 'diverged').map((b) => ({ path: b.path, reason: b.reason })),
    kept: r.kept, gone: r.gone, corrupt: r.corrupt, more: r.more, ...(r.failed !== undefined && { failed: r.failed }),
  };
}
