/**
 * Kind `local`: this machine as a builder. Its answer about a path is what this
 * machine got the last time it built the path itself, as the post-build hook queued
 * it and the journal recorded it (`trustix-vote post-build-hook --drain`, or serve):
 *
 *   [log.me]
 *   kind = local
 *
 * A path this machine never built is a miss (not-found); without a journal (state
 * directory unwritable, `[state] journal = off`) every answer is a miss. A local
 * build proves nothing to anyone else (no signature), but it is the one builder
 * the owner of the machine need not trust: a policy can ask for it by name,
 *
 *   return trustix.percentage(votes, logs, 66) or trustix.name(votes, "me")
 *
 * Nix does not rebuild a path it has, so this vote matters for paths that were
 * built here and then garbage-collected, and as one more voice in `report`.
 */
import { miss, type Answer } from '../../claims.ts';
import type { LogKind } from '../types.ts';

/** Every machine has one such builder: two `kind = local` logs are one, refused by the config. */
const IDENTITY = new TextEncoder().encode('trustix-vote:local-builds');

export const localBuilds: LogKind<Record<string, never>> = {
  kind: 'local',
  keys: [],
  parse: () => ({ settings: {}, identity: IDENTITY }),
  create(cfg, ctx) {
    return {
      addressing: 'hash-part',
      async ask(q): Promise<Answer> {
        const b = ctx.localBuilds?.latest(q.hashPart);
        if (b === undefined) {
          return miss('not-found', ctx.localBuilds === undefined ? 'no journal: this machine\'s builds are not recorded' : 'never built on this machine');
        }
        const { builtAt, ...facts } = b;
        return { outcome: 'vote', claim: { ...facts, log: cfg.name, proof: { kind: 'local-build', builtAt } } };
      },
    };
  },
};
