/**
 * Sample ballots for `trustix-vote policy test FILE --votes VOTES.json`. Pure.
 *
 *   { "logs":  [ { "name": "a", "weight": 1 }, { "name": "b" }, { "name": "c" } ],
 *     "paths": [ { "path": "/nix/store/0rnlhm6fhsp6qw748zyfyzw6fp6w9z6y-hello-2.12.1",
 *                  "answers": { "a": { "narHash": "sha256:…", "narSize": 123, "references": [] },
 *                               "b": { "outcome": "miss" },
 *                               "c": { "outcome": "fault", "reason": "timeout" } } } ] }
 *
 * `weight` defaults to 1; a vote's `narSize` to 0 and `references` to []; a log absent
 * from `answers` is a miss. narHash may be in any form Nix accepts and is stored in
 * canonical nix32. Errors name the JSON location: `$.paths[0].answers.a.narHash: …`.
 */
import { isNixFormatError, parseNarHash, parseStorePath } from '../nixfmt/index.ts';
import type { StorePath } from '../nixfmt/index.ts';
import { fault, miss, type Answer, type Ballot, type Claim, type FaultKind, type LogInfo, type MissKind } from '../claims.ts';

export class SampleError extends Error {
  readonly code = 'SAMPLE_INVALID';
  constructor(readonly at: string, message: string, options?: { cause?: unknown }) {
    super(`${at}: ${message}`, options);
    this.name = 'SampleError';
  }
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON location of `key` inside `at`: `$.a.b`, or `$.a["cache.nixos.org"]`. */
function member(at: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${at}.${key}` : `${at}[${JSON.stringify(key)}]`;
}

function obj(v: unknown, at: string, allowed: readonly string[]): Obj {
  if (!isObj(v)) throw new SampleError(at, 'expected an object');
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) throw new SampleError(member(at, k), `unknown field (expected one of ${allowed.join(', ')})`);
  }
  return v;
}

function arr(v: unknown, at: string): unknown[] {
  if (!Array.isArray(v)) throw new SampleError(at, 'expected an array');
  return v;
}

function str(v: unknown, at: string): string {
  if (typeof v !== 'string') throw new SampleError(at, 'expected a string');
  return v;
}

function nixfmt<T>(parse: (s: string) => T, v: unknown, at: string): T {
  const s = str(v, at);
  try {
    return parse(s);
  } catch (e) {
    if (isNixFormatError(e)) throw new SampleError(at, e.message, { cause: e });
    throw e;
  }
}

function parseLogs(v: unknown): LogInfo[] {
  const logs = arr(v, '$.logs').map((entry, i): LogInfo => {
    const at = `$.logs[${i}]`;
    const o = obj(entry, at, ['name', 'weight']);
    const name = str(o['name'], `${at}.name`);
    if (name === '') throw new SampleError(`${at}.name`, 'must not be empty');
    const weight = o['weight'] ?? 1;
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw new SampleError(`${at}.weight`, 'expected a number >= 0');
    }
    return { name, weight };
  });
  if (logs.length === 0) throw new SampleError('$.logs', 'needs at least one log');
  logs.forEach((l, i) => {
    if (logs.findIndex((m) => m.name === l.name) !== i) throw new SampleError(`$.logs[${i}].name`, `duplicate log ${JSON.stringify(l.name)}`);
  });
  return logs;
}

function parseClaim(o: Obj, at: string, log: string, path: StorePath): Claim {
  const narSize = o['narSize'] ?? 0;
  if (typeof narSize !== 'number' || !Number.isSafeInteger(narSize) || narSize < 0) {
    throw new SampleError(`${at}.narSize`, 'expected a whole number >= 0');
  }
  const references = arr(o['references'] ?? [], `${at}.references`).map((r, k) => nixfmt(parseStorePath, r, `${at}.references[${k}]`));
  const claim: { -readonly [K in keyof Claim]: Claim[K] } = {
    log,
    proof: { kind: 'sample' },
    path,
    narHash: nixfmt(parseNarHash, o['narHash'], `${at}.narHash`),
    narSize,
    references,
  };
  if (o['deriver'] !== undefined) claim.deriver = nixfmt(parseStorePath, o['deriver'], `${at}.deriver`);
  if (o['ca'] !== undefined) claim.ca = str(o['ca'], `${at}.ca`);
  return claim;
}

function parseAnswer(v: unknown, at: string, log: string, path: StorePath): Answer {
  const o = obj(v, at, ['outcome', 'kind', 'reason', 'narHash', 'narSize', 'references', 'deriver', 'ca']);
  const outcome = o['outcome'] ?? 'vote';
  if (outcome === 'miss' || outcome === 'fault') {
    const extra = Object.keys(o).find((k) => k !== 'outcome' && k !== 'reason' && k !== 'kind');
    if (extra !== undefined) throw new SampleError(`${at}.${extra}`, `a ${outcome} carries no ${extra}`);
    const reason = o['reason'] === undefined ? (outcome === 'miss' ? 'not in sample' : 'fault') : str(o['reason'], `${at}.reason`);
    return outcome === 'miss' ? miss(kindOf(o, at, MISS_KINDS, 'not-found'), reason) : fault(kindOf(o, at, FAULT_KINDS, 'internal'), reason);
  }
  if (outcome !== 'vote') throw new SampleError(`${at}.outcome`, 'expected "vote", "miss" or "fault"');
  if (o['reason'] !== undefined || o['kind'] !== undefined) throw new SampleError(`${at}.${o['kind'] !== undefined ? 'kind' : 'reason'}`, 'a vote carries no reason');
  return { outcome: 'vote', claim: parseClaim(o, at, log, path) };
}

const MISS_KINDS: readonly MissKind[] = ['not-found', 'other-key', 'unknown-path'];
const FAULT_KINDS: readonly FaultKind[] = ['timeout', 'deadline', 'unreachable', 'connection', 'log-down', 'http-status',
  'too-large', 'malformed', 'wrong-path', 'name-conflict', 'inconsistent-claim', 'bad-signature', 'bad-content-address', 'equivocation', 'rollback', 'inconsistent-head',
  'bad-head-signature', 'bad-inclusion-proof', 'bad-consistency-proof', 'value-digest-mismatch', 'internal'];

/** The answer's `kind`; without one, a `reason` that names a kind is taken as it (`"reason": "timeout"`). */
function kindOf<K extends string>(o: Obj, at: string, kinds: readonly K[], dflt: K): K {
  const given = o['kind'] ?? (kinds.includes(o['reason'] as K) ? o['reason'] : dflt);
  if (!kinds.includes(given as K)) throw new SampleError(`${at}.kind`, `expected one of ${kinds.join(', ')}`);
  return given as K;
}

function parseBallot(v: unknown, i: number, logs: readonly LogInfo[]): Ballot {
  const at = `$.paths[${i}]`;
  const o = obj(v, at, ['path', 'answers']);
  const path = nixfmt(parseStorePath, o['path'], `${at}.path`);
  const answers = obj(o['answers'] ?? {}, `${at}.answers`, logs.map((l) => l.name));
  return {
    path,
    answers: logs.map((l): Answer => {
      const a = answers[l.name];
      return a === undefined ? miss('not-found', 'not in sample') : parseAnswer(a, member(`${at}.answers`, l.name), l.name, path);
    }),
  };
}

export function parseSample(text: string): { logs: LogInfo[]; ballots: Ballot[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new SampleError('$', `not JSON: ${(e as Error).message}`, { cause: e });
  }
  const o = obj(doc, '$', ['logs', 'paths']);
  const logs = parseLogs(o['logs']);
  const ballots = arr(o['paths'], '$.paths').map((p, i) => parseBallot(p, i, logs));
  return { logs, ballots };
}
