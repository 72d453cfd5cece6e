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
 * of budget, a runtime error, a result of the wrong type or a hash no log voted for all
 * give 'untrusted' with a reason. Claims inconsistent with more backers of their own
 * NarHash are faults before the policy sees them (consistency.ts).
 */
import { lauxlib, lua, to_jsstring } from 'fengari';
import type { LuaState } from 'fengari';
import { parseNarHash } from '../nixfmt/index.ts';
import type { NarHash } from '../nixfmt/index.ts';
import { BallotView } from './lua/ballot.ts';
import { Budget } from './lua/budget.ts';
import { builtinAt, installBuiltins } from './lua/builtins.ts';
import { chunkLabel, errorAt, luaText, typeName } from './lua/messages.ts';
import { loadText, newSandbox } from './lua/sandbox.ts';
import { consistentBallot } from './consistency.ts';
import { buildDecision, decidedBy, SELF_VERIFYING, trustedReason, untrustedReason } from './tally.ts';
import type { Ballot, LogInfo } from '../claims.ts';
import type { Decision } from './types.ts';

export interface Policy {
  readonly logs: readonly LogInfo[];
  decide(ballot: Ballot): Decision;
  close(): void;
}

export interface LoadPolicyOptions {
  readonly source: string;
  /** The policy file's path, shown in messages. */
  readonly chunkName: string;
  readonly logs: readonly LogInfo[];
  /** VM instructions per decision (and for running the chunk itself). */
  readonly budget?: number;
}

export const DEFAULT_BUDGET = 1_000_000;

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
  const budget = new Budget(opts.budget ?? DEFAULT_BUDGET);
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
    budget.arm(L);
    const status = lua.lua_pcall(L, 0, 1, 0);
    budget.disarm(L);
    if (budget.exhausted) throw new PolicyLoadError(file, undefined, `running the chunk took more than ${budget.limit} instructions`);
    if (status !== lua.LUA_OK) fail();
    if (lua.lua_type(L, -1) !== lua.LUA_TFUNCTION) {
      const got = typeName(L, -1);
      throw new PolicyLoadError(file, undefined, `the chunk must return function(path, votes, logs), but it returned ${got}`);
    }
    if (lua.lua_iscfunction(L, -1)) throw returnedBuiltin(L, file, opts.source);
    const fnRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    return new LuaPolicy(L, logs, view, budget, fnRef, file);
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

  constructor(
    private readonly L: LuaState,
    readonly logs: readonly LogInfo[],
    private readonly view: BallotView,
    private readonly budget: Budget,
    private readonly fnRef: number,
    private readonly file: string,
  ) {}

  decide(given: Ballot): Decision {
    if (this.closed) throw new Error('policy is closed');
    const ballot = consistentBallot(given);
    if (ballot.answers.length !== this.logs.length) {
      throw new TypeError(`ballot for ${ballot.path} has ${ballot.answers.length} answers for ${this.logs.length} logs`);
    }
    const { L, view, budget } = this;
    view.set(ballot);
    lua.lua_settop(L, 0);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.fnRef);
    lua.lua_pushliteral(L, ballot.path);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, view.votes.ref);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, view.logTable.ref);
    budget.arm(L);
    let status: number;
    try {
      status = lua.lua_pcall(L, 3, 2, 0);
    } finally {
      budget.disarm(L);
    }
    const untrusted = (reason: string): Decision => {
      lua.lua_settop(L, 0);
      return buildDecision(ballot, this.logs, undefined, oneLine(reason));
    };
    if (budget.exhausted) return untrusted(`policy ran past its budget of ${budget.limit} instructions`);
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
    return buildDecision(ballot, this.logs, winner, reason);
  }

  /** The returned string at stack 1 as a NarHash, or its text when it does not parse. */
  private resolve(): NarHash | { text: string } {
    const bytes = lua.lua_tolstring(this.L, 1) as Uint8Array;
    const ours = this.view.strings.textOf(bytes);
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
    lua.lua_close(this.L);
  }
}
