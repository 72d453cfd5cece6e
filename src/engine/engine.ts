/**
 * The query engine. Collecting is apart from deciding: for each store path it asks
 * every log in parallel and collects the answers into a Ballot; any number of
 * policies then decide over that one ballot. It walks closures through the logs'
 * References when asked to, merges duplicate work (one ballot per path of a run),
 * tells the observer every answer and decision, and turns whatever has not answered
 * by the run's deadline into faults (the logs do, through the signal).
 */
import type { Answer, Ballot, Claim, Question } from '../claims.ts';
import { hashPartOf, type HashPart, type StorePath } from '../nixfmt/index.ts';
import type { LogSource } from '../logs/types.ts';
import type { Ops } from '../ops.ts';
import { backersOf } from '../vote/backers.ts';
import type { PolicyRunner } from '../vote/runner.ts';
import type { Decision } from '../vote/types.ts';
import { gated, type AnswerGate } from './gate.ts';
import type { Observer } from './observer.ts';
import { againstChosen, choosePath } from './path.ts';

/** Called with each verified vote as it arrives, before the path is decided. */
export type OnVote = (claim: Claim) => void;

/** A policy and the name it is known by ('' for the default). */
export interface NamedPolicy {
  readonly name: string;
  /** check and serve run it on a worker thread (host/policy-worker.ts): deciding is asynchronous. */
  readonly policy: PolicyRunner;
}

export interface Engine {
  /** Every log's answer about a path whose full name is known. */
  collect(path: StorePath, signal: AbortSignal, onVote?: OnVote): Promise<Ballot>;
  /**
   * Every log's answer about the path with this hash part, its name learned from the
   * logs that answer by hash part; undefined when none of them names it.
   */
  collectHashPart(hashPart: HashPart, signal: AbortSignal, onVote?: OnVote): Promise<Ballot | undefined>;
  /** One policy's decision over a collected ballot, told to the observer. */
  decide(ballot: Ballot, policy: NamedPolicy): Promise<Decision>;
  /**
   * Decides every path in `roots`, and with `walk` every path their voted References
   * lead to: the winner's when trusted, otherwise only references most configured logs
   * claim (a liar alone cannot make the walk crawl its inventions). At most `maxPaths`
   * are decided; the rest are counted in one warning. Ballots are dropped once decided;
   * only the decisions are kept.
   */
  decideAll(roots: readonly StorePath[], opts: { walk: boolean; signal: AbortSignal; policy: NamedPolicy; maxPaths?: number }): Promise<Decision[]>;
}

export function createEngine(opts: { logs: readonly LogSource[]; ops: Ops; observer?: Observer; gate?: AnswerGate }): Engine {
  const { logs, ops, observer, gate } = opts;
  const byHashPart = logs.flatMap((l, i) => (l.addressing === 'hash-part' ? [i] : []));
  const byPath = logs.flatMap((l, i) => (l.addressing === 'store-path' ? [i] : []));
  // With logs that need a full name (Trustix), the names a trusted path refers to: Nix asks
  // for exactly these next, by hash part, and no binary cache may hold them.
  const named = byPath.length > 0 ? new Map<HashPart, StorePath>() : undefined;

  async function ask(i: number, q: Question, signal: AbortSignal, onVote?: OnVote): Promise<Answer> {
    const log = logs[i] as LogSource;
    const raw = await log.query(q, signal);
    // The observer sees what the log said (a journal keeps it as evidence); the ballot what the gate lets count.
    observer?.answered?.(log.name, q, raw);
    const answer = gated(gate, log.name, q, raw);
    if (onVote !== undefined && answer.outcome === 'vote') onVote(answer.claim);
    return answer;
  }

  async function askAll(indexes: readonly number[], q: Question, into: Answer[], signal: AbortSignal, onVote?: OnVote): Promise<void> {
    await Promise.all(indexes.map(async (i) => {
      into[i] = await ask(i, q, signal, onVote);
    }));
  }

  const engine: Engine = {
    async collect(path, signal, onVote) {
      const answers = await Promise.all(logs.map((_, i) => ask(i, { hashPart: hashPartOf(path), path }, signal, onVote)));
      return { path, answers };
    },

    async collectHashPart(hashPart, signal, onVote) {
      const answers: Answer[] = new Array<Answer>(logs.length);
      await askAll(byHashPart, { hashPart }, answers, signal, onVote);
      const path = choosePath(answers) ?? (answers.some((a) => a?.outcome === 'vote') ? undefined : named?.get(hashPart));
      if (path === undefined) return undefined;
      for (const i of byHashPart) answers[i] = againstChosen(answers[i] as Answer, path);
      if (byPath.length > 0) await askAll(byPath, { hashPart, path }, answers, signal, onVote);
      return { path, answers };
    },

    async decide(ballot, { name, policy }) {
      const decision = await policy.decide(ballot);
      if (named !== undefined) learnNames(named, ballot, decision);
      observer?.decided?.(decision, ballot, name);
      return decision;
    },

    async decideAll(roots, { walk, signal, policy, maxPaths = 200_000 }) {
      const seen = new Set<StorePath>();
      const queue: StorePath[] = [];
      const results: Decision[] = [];
      const unasked = unaskedDecision(logs);
      const keep = keeper();
      let over = 0;
      const enqueue = (path: StorePath): void => {
        if (seen.has(path)) return;
        if (seen.size >= maxPaths) {
          over += 1;
          return;
        }
        seen.add(path);
        queue.push(path);
      };
      const one = async (path: StorePath): Promise<void> => {
        // Past the deadline nothing more is asked: what is still queued is untrusted at once.
        if (signal.aborted) return void results.push(unasked(path));
        const ballot = await engine.collect(path, signal);
        const decision = await engine.decide(ballot, policy);
        results.push(keep(decision));
        ops.log({ kind: 'progress', done: results.length, total: seen.size, phase: 'voting' });
        if (walk) for (const ref of referencesToWalk(ballot, decision)) enqueue(ref);
      };
      roots.forEach(enqueue);
      // Paths wait in the queue as names, not as started promises: a closure of 200,000
      // paths holds 200,000 strings, not 200,000 pending requests.
      await new Promise<void>((resolve, reject) => {
        let next = 0;
        let active = 0;
        let failed = false;
        const pump = (): void => {
          while (!failed && active < IN_FLIGHT && next < queue.length) {
            const path = queue[next] as StorePath;
            next += 1;
            active += 1;
            one(path).then(() => {
              active -= 1;
              pump();
            }, (e: unknown) => {
              failed = true;
              reject(e);
            });
          }
          if (next > 4096 && next * 2 > queue.length) {
            queue.splice(0, next);
            next = 0;
          }
          if (!failed && active === 0 && next >= queue.length) resolve();
        };
        pump();
      });
      if (over > 0) ops.log({ kind: 'warn', message: `closure has more than ${maxPaths} paths: ${over} references past that were not voted on` });
      return results;
    },
  };
  return engine;
}

/** How many learned names are kept: a few closures' worth, a few MB. */
const NAMED_MAX = 20_000;

function learnNames(named: Map<HashPart, StorePath>, ballot: Ballot, decision: Decision): void {
  const [winner] = backersOf(ballot, decision);
  for (const ref of winner?.references ?? []) {
    const h = hashPartOf(ref);
    named.delete(h);
    // A copy: the reference is a slice of its whole narinfo, which it would keep alive.
    named.set(h, JSON.parse(JSON.stringify(ref)) as StorePath);
    if (named.size > NAMED_MAX) named.delete(named.keys().next().value as HashPart);
  }
}

/**
 * Paths started at once by decideAll; the logs' own limits bound the requests below it.
 * 128 keeps 4 logs' 32 connections each busy; every path started beyond that waits in
 * the limiters, where its promises outlive the young generation (bench/scale.ts, check
 * of 50,000 paths: peak RSS 318 MB with 512, 299, 302 and 301 MB with 128, single rounds).
 */
const IN_FLIGHT = 128;

/**
 * A path still queued when the run's deadline passed: no log was asked, so none agreed.
 * Every such decision shares its lists (they are read-only): a closure cut short at
 * 200,000 paths costs one small object per path.
 */
function unaskedDecision(logs: readonly LogSource[]): (path: StorePath) => Decision {
  const none: readonly never[] = [];
  const reason = 'not asked before the run deadline';
  const faults = logs.map((l) => ({ log: l.name, kind: 'deadline' as const, reason }));
  return (path) => ({ path, verdict: 'untrusted', agree: none, disagree: none, missing: none, faults, reason });
}

/**
 * What decideAll keeps of each decision to the end of a run, up to 200,000 of them: its
 * lists at their length (a list grown by push has room for 17), every property inside
 * the object, and equal reasons as one string ("4 of 4 logs agree" for a whole healthy
 * closure; a log that is down gives thousands of paths the same words). 575 → 350 bytes
 * a path when the only log is down (bench/explosion.ts).
 */
function keeper(): (d: Decision) => Decision {
  const reasons = new Map<string, string>();
  const reasonOf = (r: string): string => {
    const kept = reasons.get(r);
    if (kept !== undefined) return kept;
    if (reasons.size >= 4096) reasons.clear();
    reasons.set(r, r);
    return r;
  };
  const fit = <T>(xs: readonly T[]): readonly T[] => (xs.length === 0 ? xs : xs.slice());
  return (d) => {
    const { path, verdict, narHash } = d;
    const agree = fit(d.agree);
    const disagree = fit(d.disagree);
    const missing = fit(d.missing);
    const faults = fit(d.faults);
    const reason = reasonOf(d.reason);
    return narHash === undefined
      ? { path, verdict, agree, disagree, missing, faults, reason }
      : { path, verdict, narHash, agree, disagree, missing, faults, reason };
  };
}

function referencesToWalk(ballot: Ballot, decision: Decision): StorePath[] {
  if (decision.verdict === 'trusted') {
    const refs = new Set<StorePath>();
    for (const c of backersOf(ballot, decision)) for (const r of c.references) if (r !== ballot.path) refs.add(r);
    return [...refs];
  }
  const counts = new Map<StorePath, number>();
  for (const a of ballot.answers) {
    if (a.outcome !== 'vote') continue;
    for (const r of a.claim.references) if (r !== ballot.path) counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  const quorum = Math.floor(ballot.answers.length / 2) + 1;
  return [...counts].flatMap(([r, n]) => (n >= quorum ? [r] : []));
}
