/** In-memory logs and a plain-JS majority policy: the engine tested without network or Lua. */
import { hashPartOf, parseNarHash, parseStorePath, type HashPart, type StorePath } from '../../src/nixfmt/index.ts';
import type { LogSource } from '../../src/logs/types.ts';
import type { Ops } from '../../src/ops.ts';
import type { Policy } from '../../src/vote/policy.ts';
import type { Answer, Ballot, Claim, Decision, LogInfo } from '../../src/vote/types.ts';

export const path = (name: string, n = 0): StorePath =>
  parseStorePath(`/nix/store/${String(n).padStart(2, '0')}${'a'.repeat(30)}-${name}`);
export const hash = (c: string) => parseNarHash(`sha256:0${c.repeat(51)}`);

export interface FakeLog extends LogSource {
  readonly asked: HashPart[];
  claims: Map<string, Omit<Claim, 'log'>>;
  /** When set, every query waits for this promise (never resolves = a hung log). */
  hang?: Promise<void>;
}

export function fakeLog(name: string, claims: Omit<Claim, 'log'>[]): FakeLog {
  const log: FakeLog = {
    name,
    kind: 'fake',
    weight: 1,
    asked: [],
    claims: new Map(claims.map((c) => [hashPartOf(c.path), c])),
    async query(hp, expected, signal): Promise<Answer> {
      log.asked.push(hp);
      if (log.hang) {
        await Promise.race([log.hang, new Promise((r) => signal.addEventListener('abort', r, { once: true }))]);
        if (signal.aborted) return { outcome: 'fault', reason: 'no answer before the run deadline' };
      }
      const c = log.claims.get(hp);
      if (c === undefined) return { outcome: 'miss', reason: 'no narinfo' };
      if (expected !== undefined && c.path !== expected) return { outcome: 'fault', reason: 'wrong path' };
      return { outcome: 'vote', claim: { ...c, log: name } };
    },
  };
  return log;
}

export function claim(p: StorePath, h: string, refs: StorePath[] = []): Omit<Claim, 'log'> {
  return { path: p, narHash: hash(h), narSize: 100, references: refs };
}

export function majority(logs: readonly LogInfo[]): Policy {
  return {
    logs,
    close() {},
    decide(b: Ballot): Decision {
      const counts = new Map<string, number>();
      b.answers.forEach((a) => a.outcome === 'vote' && counts.set(a.claim.narHash, (counts.get(a.claim.narHash) ?? 0) + 1));
      const win = [...counts].find(([, n]) => n * 2 > logs.length)?.[0];
      const names = (pred: (a: Answer) => boolean) => b.answers.flatMap((a, i) => (pred(a) ? [logs[i]!.name] : []));
      return {
        path: b.path,
        verdict: win ? 'trusted' : 'untrusted',
        ...(win !== undefined && { narHash: win as Claim['narHash'] }),
        agree: names((a) => a.outcome === 'vote' && a.claim.narHash === win),
        disagree: b.answers.flatMap((a) => (a.outcome === 'vote' && a.claim.narHash !== win ? [{ log: a.claim.log, narHash: a.claim.narHash }] : [])),
        missing: names((a) => a.outcome === 'miss'),
        faults: b.answers.flatMap((a, i) => (a.outcome === 'fault' ? [{ log: logs[i]!.name, reason: a.reason }] : [])),
        reason: win ? 'majority' : 'no majority',
      };
    },
  };
}

export function fakeOps(): Ops & { events: unknown[] } {
  const events: unknown[] = [];
  let t = 0;
  return {
    events,
    fetch: () => Promise.reject(new Error('the engine must not fetch by itself')),
    fetchText: () => Promise.reject(new Error('the engine must not fetch by itself')),
    now: () => (t += 1),
    sleep: () => Promise.resolve(),
    log: (e) => void events.push(e),
  };
}
