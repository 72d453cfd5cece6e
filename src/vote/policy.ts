/**
 * The machine owner's Lua policy, loaded into a sandbox and asked about each ballot.
 *
 * A policy file is a chunk that returns `function(path, votes, logs)`; the function
 * returns the nar_hash to trust, or nil (and optionally a reason) to leave the path
 * to a local build. The shapes of `votes` and `logs` are in lua/ballot.ts, the
 * built-ins in lua/builtins.ts. Example:
 *
 *   return function(path, votes, logs)
 *     return trustix.percentage(votes, logs, 66) or trustix.name(votes, "cache.nixos.org")
 *   end
 *
 * Whatever the policy does, `decide` returns a Decision and fails closed: running out
 * of budget or time (lua/budget.ts), a runtime error, a result of the wrong type or a
 * hash no log voted for all give 'untrusted' with a reason. Claims inconsistent with
 * more backers of their own NarHash are faults before the policy sees them
 * (consistency.ts).
 *
 * This is the policy in the calling thread, as `policy test` and the tests use it;
 * check and serve run the same code on a worker thread (host/policy-worker.ts), which
 * can be stopped when a single call runs away and which bounds the policy's memory.
 * `judge` is what crosses that thread: the winner and the reason, from which
 * `decisionOf` (runner.ts) builds the Decision on the caller's side.
 */
import { lauxlib, lua, to_jsstring } from 'fengari';
import type { LuaState } from 'fengari';
import { parseNarHash } from '../nixfmt/index.ts';
import type { NarHash } from '../nixfmt/index.ts';
import { BallotView } from './lua/ballot.ts';
import { Budget, type TimeLimit } from './lua/budget.ts';
import { builtinAt, installBuiltins } from './lua/builtins.ts';
import { chunkLabel, errorAt, luaText, typeName } from './lua/messages.ts';
import { loadText, newSandbox } from './lua/sandbox.ts';
import { consistentBallot } from './consistency.ts';
import { buildDecision, decidedBy, SELF_VERIFYING, trustedReason, untrustedReason } from './tally.ts';
import type { Ballot, LogInfo } from '../claims.ts';
import type { Decision } from './types.ts';
import { DEFAULT_BUDGET, type Judgement, type SyncPolicy } from './runner.ts';

export { CHUNK_TIME_LIMIT_MS, DEFAULT_BUDGET, DEFAULT_TIME_LIMIT_MS, decisionOf } from './runner.ts';
export type { Judgement, PolicyRunner, SyncPolicy } from './runner.ts';

export interface Policy extends SyncPolicy {
  /** What it makes of a ballot, without the Decision around it: what crosses a thread. */
  judge(ballot: Ballot): Judgement;
  /** Drops everything the policy kept between decisions (its globals) and loads it afresh. */
  reset(): void;
}

export interface LoadPolicyOptions {
  readonly source: string;
  /** The policy file's path, shown in messages. */
  readonly chunkName: string;
  readonly logs: readonly LogInfo[];
  /**
   * VM instructions per decision (and for running the chunk itself); library calls
   * count about one per byte they touch.
   */
  readonly budget?: number;
  /** Wall-clock limit per decision (and for running the chunk), with the clock to measure it. */
  readonly time?: TimeLimit;
  /** The time limit for running the chunk, when it is not the decisions' one. */
  readonly chunkTimeMs?: number;
}

/** A content-addressed path proves itself; anything else needs a strict majority of the configured logs. */
export const DEFAULT_POLICY_SOURCE = `-- A content-addressed path proves itself (Nix re-hashes it on import): one log is enough.
-- Anything else: what strictly more than half of all configured logs vote for.
-- Logs that miss or fail count against: 2 of 4 is not enough.
return function(path, votes, logs)
  return trustix.content_addressed(path, votes) or trustix.majority(votes, logs)
end
`;

export class PolicyLoadError extends Error {
  readonly code = 'POLICY_LOAD';
  constructor(readonly file: string, readonly line: number | undefined, message: string, options?: { cause?: unknown }) {
    super(line === undefined ? `${file}: ${message}` : `${file}:${line}: ${message}`, options);
    this.name = 'PolicyLoadError';
  }
}

const MAX_REASON = 300;

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_REASON ? `${flat.slice(0, MAX_REASON)}…` : flat;
}

function checkLogs(logs: readonly LogInfo[]): void {
  const seen = new Set<string>();
  for (const l of logs) {
    if (l.name === '' || seen.has(l.name)) throw new TypeError(`log names must be unique and non-empty: ${JSON.stringify(l.name)}`);
    if (!Number.isFinite(l.weight) || l.weight < 0) throw new TypeError(`log ${l.name} has a bad weight ${l.weight}`);
    seen.add(l.name);
  }
}

export function loadPolicy(opts: LoadPolicyOptions): Policy {
  checkLogs(opts.logs);
  const logs = opts.logs.map((l) => ({ name: l.name, weight: l.weight }));
  return new LuaPolicy(logs, opts, openState(opts, logs));
}

interface State {
  readonly L: LuaState;
  readonly view: BallotView;
  readonly budget: Budget;
  readonly fnRef: number;
}

/** A fresh sandbox with the chunk run in it and its function kept. */
function openState(opts: LoadPolicyOptions, logs: readonly LogInfo[]): State {
  const budget = new Budget(opts.budget ?? DEFAULT_BUDGET, opts.time);
  const L = newSandbox();
  const file = opts.chunkName;
  try {
    budget.guardXpcall(L);
    const view = new BallotView(L, logs);
    installBuiltins(L, view);
    const fail = (): never => {
      const { line, message } = errorAt(L, chunkLabel(file));
      throw new PolicyLoadError(file, line, message);
    };
    if (loadText(L, opts.source, `=${chunkLabel(file)}`) !== lua.LUA_OK) fail();
    budget.arm(L, opts.chunkTimeMs ?? opts.time?.ms);
    let status: number;
    try {
      status = lua.lua_pcall(L, 0, 1, 0);
    } finally {
      budget.disarm(L);
    }
    if (budget.overrunBy === 'instructions') throw new PolicyLoadError(file, undefined, `running the chunk took more than ${budget.limit} instructions`);
    if (budget.overrunBy === 'time') throw new PolicyLoadError(file, undefined, `running the chunk took more than ${opts.chunkTimeMs ?? opts.time?.ms} ms`);
    if (status !== lua.LUA_OK) fail();
    if (lua.lua_type(L, -1) !== lua.LUA_TFUNCTION) {
      const got = typeName(L, -1);
      throw new PolicyLoadError(file, undefined, `the chunk must return function(path, votes, logs), but it returned ${got}`);
    }
    if (lua.lua_iscfunction(L, -1)) throw returnedBuiltin(L, file, opts.source);
    const fnRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    return { L, view, budget, fnRef };
  } catch (e) {
    lua.lua_close(L);
    throw e;
  }
}

/** Why the claims for `hash` were set aside as inconsistent, if they were. */
function inconsistency(given: Ballot, ballot: Ballot, hash: NarHash): string | undefined {
  for (let i = 0; i < given.answers.length; i++) {
    const before = given.answers[i];
    const after = ballot.answers[i];
    if (before?.outcome === 'vote' && before.claim.narHash === hash && after?.outcome === 'fault') return after.reason;
  }
  return undefined;
}

/**
 * `return trustix.majority` hands over the built-in itself, which would then be called
 * with (path, votes, logs) and fail on every path with "bad argument #1 to '?'".
 */
function returnedBuiltin(L: LuaState, file: string, source: string): PolicyLoadError {
  const b = builtinAt(L, -1);
  const name = b?.name ?? 'a built-in function';
  const at = b === undefined ? -1 : source.split('\n').findIndex((l) => new RegExp(`\\b${b.name.replace('.', '\\s*\\.\\s*')}\\b(?!\\s*\\()`).test(l));
  const call = b?.call ?? 'trustix.majority(votes, logs)';
  return new PolicyLoadError(file, at < 0 ? undefined : at + 1,
    `the chunk returns ${name} itself, not a policy; return a function that calls it: return function(path, votes, logs) return ${call} end`);
}

class LuaPolicy implements Policy {
  private closed = false;
  private readonly file: string;

  constructor(readonly logs: readonly LogInfo[], private readonly opts: LoadPolicyOptions, private state: State) {
    this.file = opts.chunkName;
  }

  decide(given: Ballot): Decision {
    const { ballot, judgement } = this.run(given);
    return buildDecision(ballot, this.logs, judgement.narHash, judgement.reason);
  }

  judge(given: Ballot): Judgement {
    return this.run(given).judgement;
  }

  private run(given: Ballot): { ballot: Ballot; judgement: Judgement } {
    if (this.closed) throw new Error('policy is closed');
    const ballot = consistentBallot(given);
    if (ballot.answers.length !== this.logs.length) {
      throw new TypeError(`ballot for ${ballot.path} has ${ballot.answers.length} answers for ${this.logs.length} logs`);
    }
    const { L, view, budget } = this.state;
    view.set(ballot);
    lua.lua_settop(L, 0);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.state.fnRef);
    lua.lua_pushliteral(L, ballot.path);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, view.votes.ref);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, view.logTable.ref);
    budget.arm(L);
    let status: number;
    try {
      status = lua.lua_pcall(L, 3, 2, 0);
    } catch (e) {
      // Something threw past Lua's own error handling: the state cannot be trusted again.
      budget.disarm(L);
      this.reset();
      const why = budget.overrun ?? `policy error: internal: ${e instanceof Error ? e.message : String(e)}`;
      return { ballot, judgement: { reason: oneLine(`${why}; the policy restarted with fresh state`), spent: budget.spent } };
    }
    budget.disarm(L);
    return { ballot, judgement: this.judged(given, ballot, status) };
  }

  /** What the policy's return values (or error) at the top of the stack say. */
  private judged(given: Ballot, ballot: Ballot, status: number): Judgement {
    const { L, view, budget } = this.state;
    const untrusted = (reason: string): Judgement => {
      lua.lua_settop(L, 0);
      return { reason: oneLine(reason), spent: budget.spent };
    };
    if (budget.overrun !== undefined) return untrusted(budget.overrun);
    if (status !== lua.LUA_OK) {
      const { line, message } = errorAt(L, chunkLabel(this.file));
      return untrusted(`policy error: ${this.file}${line === undefined ? '' : `:${line}`}: ${message}`);
    }
    const type = lua.lua_type(L, 1);
    if (type === lua.LUA_TNIL) {
      const reason = lua.lua_type(L, 2) === lua.LUA_TSTRING ? luaText(L, 2) : '';
      return untrusted(reason === '' ? untrustedReason(ballot, this.logs) : reason);
    }
    if (type !== lua.LUA_TSTRING) {
      const got = typeName(L, 1);
      return untrusted(`policy returned a ${got}; it must return a nar_hash string, or nil to build locally`);
    }
    const winner = this.resolve();
    if (typeof winner !== 'string' || !ballot.answers.some((a) => a.outcome === 'vote' && a.claim.narHash === winner)) {
      const shown = typeof winner === 'string' ? winner : JSON.stringify(winner.text.slice(0, 100));
      const dropped = typeof winner === 'string' ? inconsistency(given, ballot, winner) : undefined;
      return untrusted(dropped === undefined ? `policy returned ${shown}, which no log voted for` : `policy returned ${shown}, but ${dropped}`);
    }
    lua.lua_settop(L, 0);
    const by = decidedBy(view.trail, winner);
    const counted = trustedReason(ballot, winner);
    const reason = by === undefined ? counted : by === SELF_VERIFYING ? by : `${counted}; ${by}`;
    return { narHash: winner, reason, spent: budget.spent };
  }

  /**
   * Drops the Lua state and everything the policy kept in it, and starts afresh. The
   * chunk loaded once already, so it loads again (a time limit aside).
   */
  reset(): void {
    lua.lua_close(this.state.L);
    this.state = openState(this.opts, this.logs);
  }

  /** The returned string at stack 1 as a NarHash, or its text when it does not parse. */
  private resolve(): NarHash | { text: string } {
    const bytes = lua.lua_tolstring(this.state.L, 1) as Uint8Array;
    const ours = this.state.view.strings.textOf(bytes);
    if (ours !== undefined) return ours as NarHash; // pushed from the ballot: already canonical
    const text = to_jsstring(bytes, 0, bytes.length, true);
    try {
      return parseNarHash(text);
    } catch {
      return { text };
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    lua.lua_close(this.state.L);
  }
}
