/** In-memory logs, a plain-JS majority policy and an Ops with a hand-driven clock: the engine without network or Lua. */
import type { Answer, Ballot, Claim, LogInfo } from '../../src/claims.ts';
import { fault, miss } from '../../src/claims.ts';
import type { LogSource } from '../../src/logs/types.ts';
import { hashPartOf, parseNarHash, parseStorePath, type HashPart, type StorePath } from '../../src/nixfmt/index.ts';
import type { Deadline, Ops } from '../../src/ops.ts';
import type { PolicyRunner } from '../../src/vote/policy.ts';
import type { Decision } from '../../src/vote/types.ts';

export const path = (name: string, n = 0): StorePath =>
  parseStorePath(`/nix/store/${String(n).padStart(2, '0')}${'a'.repeat(30)}-${name}`);
export const hash = (c: string) => parseNarHash(`sha256:0${c.repeat(51)}`);

export type Facts = Omit<Claim, 'log' | 'proof'>;

export interface FakeLog extends LogSource {
  readonly asked: HashPart[];
  claims: Map<string, Facts>;
  /** When set, every query waits for this promise (never resolves = a hung log). */
  hang?: Promise<void>;
}

export function fakeLog(name: string, claims: Facts[], addressing: LogSource['addressing'] = 'hash-part'): FakeLog {
  const log: FakeLog = {
    name,
    kind: 'fake',
    weight: 1,
    addressing,
    asked: [],
    claims: new Map(claims.map((c) => [hashPartOf(c.path), c])),
    async query(q, signal): Promise<Answer> {
      log.asked.push(q.hashPart);
      if (log.hang) {
        await Promise.race([log.hang, new Promise((r) => signal.addEventListener('abort', r, { once: true }))]);
        if (signal.aborted) return fault('deadline', 'no answer before the run deadline');
      }
      if (addressing === 'store-path' && q.path === undefined) throw new Error(`${name} needs the full path`);
      const c = log.claims.get(q.hashPart);
      if (c === undefined) return miss('not-found', 'no narinfo');
      if (q.path !== undefined && c.path !== q.path) return fault('wrong-path', 'wrong path');
      return { outcome: 'vote', claim: { ...c, log: name, proof: { kind: 'sample' } } };
    },
  };
  return log;
}

export function claim(p: StorePath, h: string, refs: StorePath[] = []): Facts {
  return { path: p, narHash: hash(h), narSize: 100, references: refs };
}

export function majority(logs: readonly LogInfo[]) {
  const policy = {
    logs,
    close() {},
    decide(b: Ballot): Decision {
      const counts = new Map<string, number>();
      b.answers.forEach((a) => a.outcome === 'vote' && counts.set(a.claim.narHash, (counts.get(a.claim.narHash) ?? 0) + 1));
      const win = [...counts].find(([, n]) => n * 2 > logs.length)?.[0];
      return {
        path: b.path,
        verdict: win ? 'trusted' : 'untrusted',
        ...(win !== undefined && { narHash: win as Claim['narHash'] }),
        agree: b.answers.flatMap((a, i) => (a.outcome === 'vote' && a.claim.narHash === win ? [logs[i]!.name] : [])),
        disagree: b.answers.flatMap((a) => (a.outcome === 'vote' && a.claim.narHash !== win ? [{ log: a.claim.log, narHash: a.claim.narHash }] : [])),
        missing: b.answers.flatMap((a, i) => (a.outcome === 'miss' ? [{ log: logs[i]!.name, kind: a.kind, reason: a.reason }] : [])),
        faults: b.answers.flatMap((a, i) => (a.outcome === 'fault' ? [{ log: logs[i]!.name, kind: a.kind, reason: a.reason }] : [])),
        reason: win ? 'majority' : 'no majority',
      };
    },
  } satisfies PolicyRunner;
  return { name: '', policy };
}

export interface FakeOps extends Ops {
  readonly events: unknown[];
  /** Moves the clock on, firing the deadlines that pass. */
  advance(ms: number): void;
}

/** A clock that only moves when told to, with deadlines that fire when it passes them. */
export function fakeOps(): FakeOps {
  const events: unknown[] = [];
  // Not 0: lru-cache takes an entry started at 0 for one without a TTL.
  let t = 1_000_000;
  const timers = new Set<{ at: number; fire: () => void }>();
  return {
    events,
    fetch: () => Promise.reject(new Error('the engine must not fetch by itself')),
    fetchText: () => Promise.reject(new Error('the engine must not fetch by itself')),
    fetchBytes: () => Promise.reject(new Error('the engine must not fetch by itself')),
    now: () => t,
    sleep: () => Promise.resolve(),
    deadline(ms, parent): Deadline {
      const c = new AbortController();
      const timer = { at: t + ms, fire: () => c.abort(new Error('deadline')) };
      timers.add(timer);
      parent?.addEventListener('abort', () => c.abort(parent.reason), { once: true });
      return { signal: c.signal, clear: () => void timers.delete(timer) };
    },
    log: (e) => void events.push(e),
    advance(ms) {
      t += ms;
      for (const timer of timers) {
        if (timer.at > t) continue;
        timers.delete(timer);
        timer.fire();
      }
    },
  };
}
