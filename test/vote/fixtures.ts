/** Ballots for the vote tests: logs a, b, c, … each voting, missing or failing. */
import { parseNarHash, parseStorePath } from '../../src/nixfmt/index.ts';
import type { NarHash, StorePath } from '../../src/nixfmt/index.ts';
import { loadPolicy } from '../../src/vote/policy.ts';
import type { Policy } from '../../src/vote/policy.ts';
import type { Answer, Ballot, Claim, LogInfo } from '../../src/claims.ts';

export const PATH = parseStorePath('/nix/store/0rnlhm6fhsp6qw748zyfyzw6fp6w9z6y-hello-2.12.1');
export const REF_A = parseStorePath('/nix/store/8bgd4xc7njrj0g4g2dx5b6nl3rk2b7x4-glibc-2.39-52');
export const REF_B = parseStorePath('/nix/store/5jzxsqqzc3g6bkzfz6sgwcnhyh8a5m3n-zlib-1.3.1');

/** A distinct canonical NarHash per letter: sha256:<64 × hex digit> in nix32. */
export function hash(letter: 'a' | 'b' | 'c' | 'd' | 'e' | 'f'): NarHash {
  return parseNarHash(`sha256:${letter.repeat(64)}`);
}
export const X = hash('a');
export const Y = hash('b');
export const Z = hash('c');

export function logs(...names: string[]): LogInfo[] {
  return names.map((name) => ({ name, weight: 1 }));
}

export type Spec = NarHash | 'miss' | 'fault' | 'refused' | 'other-key' | Partial<Claim> & { narHash: NarHash };

export function answer(log: string, spec: Spec, path: StorePath = PATH): Answer {
  if (spec === 'miss') return { outcome: 'miss', kind: 'not-found', reason: 'HTTP 404' };
  if (spec === 'fault') return { outcome: 'fault', kind: 'timeout', reason: 'no answer within 5 s' };
  if (spec === 'refused') return { outcome: 'fault', kind: 'unreachable', reason: 'connection refused' };
  if (spec === 'other-key') return { outcome: 'miss', kind: 'other-key', reason: `signed by cache-b-1, not by this log's key ${log}-1` };
  const claim = typeof spec === 'string' ? { narHash: spec } : spec;
  return { outcome: 'vote', claim: { log, proof: { kind: 'sample' }, path, narSize: 1234, references: [REF_A], ...claim } };
}

/** One answer per configured log, in order. */
export function ballot(configured: readonly LogInfo[], ...specs: Spec[]): Ballot {
  return { path: PATH, answers: configured.map((l, i) => answer(l.name, specs[i] ?? 'miss')) };
}

export function policy(source: string, configured: readonly LogInfo[], budget?: number): Policy {
  return loadPolicy({ source, chunkName: '/etc/trustix-vote/policy.lua', logs: configured, ...(budget === undefined ? {} : { budget }) });
}

/** A policy whose function body is `body`, with path, votes and logs in scope as p, v, l. */
export function fn(body: string, configured: readonly LogInfo[], budget?: number): Policy {
  return policy(`return function(p, v, l)\n${body}\nend\n`, configured, budget);
}
