/**
 * `[publish] state = DIR`: each local build the drain records is appended to our own
 * log in DIR (`trustix-vote log init`), by the same code as `log submit`, one signed
 * head per PUBLISH_BATCH paths. What this machine built is what it publishes, whatever
 * the logs said: a diverged build too. The log is opened at a drain's first recorded
 * build and closed when the drain ends (its map is in memory only meanwhile).
 * A failure never undoes a recorded build; the drain warns and goes on.
 */
import type { BuildRow } from '../journal/index.ts';
import { parseNarHash, parseStorePath, type PathFacts } from '../nixfmt/index.ts';
import { appendFacts, conflictText, openAppender, type Appender } from './log-append.ts';

const PUBLISH_BATCH = 100;

export interface PublishCounts { added: number; present: number; refused: number }

export interface Publisher {
  publish(builds: readonly BuildRow[], signal: AbortSignal): Promise<void>;
  readonly counts: Readonly<PublishCounts>;
  close(): void;
}

export function createPublisher(stateDir: string, warn: (message: string) => void): Publisher {
  let open: Appender | undefined;
  const counts: PublishCounts = { added: 0, present: 0, refused: 0 };
  return {
    counts,
    async publish(builds, signal) {
      open ??= openAppender(stateDir);
      const facts: PathFacts[] = builds.map((b) => ({
        path: parseStorePath(b.path), narHash: parseNarHash(b.narHash), narSize: b.narSize, references: b.references.map((r) => parseStorePath(r)),
      }));
      for (let i = 0; i < facts.length && !signal.aborted; i += PUBLISH_BATCH) {
        for (const { path, outcome } of appendFacts(open, facts.slice(i, i + PUBLISH_BATCH))) {
          if (outcome.kind === 'conflict') {
            counts.refused += 1;
            warn(`publishing to ${open.dir}: ${conflictText(path, outcome)}`);
          } else {
            counts[outcome.kind] += 1;
          }
        }
      }
    },
    close() {
      open?.log.db.close();
      open = undefined;
    },
  };
}
