/**
 * The global `trustix` table: percentage, weighted, majority, name, content_addressed.
 *
 *   return function(path, votes, logs)
 *     return trustix.percentage(votes, logs, 66) or trustix.name(votes, "cache.nixos.org")
 *   end
 *
 * Given the very `votes` and `logs` tables of the current decision, a built-in
 * counts the ballot in JS and touches no Lua table. Given tables the policy built
 * itself (say, votes filtered by log), it reads them through the ordinary
 * metamethod-respecting API, so any table of the same shape works.
 */
import { lauxlib, lua, to_jsstring } from 'fengari';
import type { LuaCFunction, LuaState } from 'fengari';
import type { BallotView } from './ballot.ts';
import { caProvesFacts, parseNarHash, parseStorePath, type StorePath } from '../../nixfmt/index.ts';
import { fractionOf, leader, majorityOf, percentOf } from './count.ts';
import type { Enough } from './count.ts';
import { charge } from './meter.ts';

const MAX_ENTRIES = 1 << 16;

interface ReadVotes {
  hashes: string[];
  logs: (string | undefined)[];
  weights: number[];
}

function field(L: LuaState, idx: number, name: string): number {
  return lua.lua_getfield(L, idx, name);
}

function text(view: BallotView, L: LuaState, idx: number): string {
  const bytes = lua.lua_tolstring(L, idx) as Uint8Array;
  return view.strings.textOf(bytes) ?? to_jsstring(bytes, 0, bytes.length, true);
}

function readVotes(view: BallotView, L: LuaState, withWeights: boolean): ReadVotes {
  lauxlib.luaL_checktype(L, 1, lua.LUA_TTABLE);
  const n = lauxlib.luaL_len(L, 1);
  if (n > MAX_ENTRIES) lauxlib.luaL_argerror(L, 1, `more than ${MAX_ENTRIES} votes`);
  charge(4 * Math.max(n, 0)); // a table the policy built: read field by field, uncounted by the hook
  const out: ReadVotes = { hashes: [], logs: [], weights: [] };
  for (let i = 1; i <= n; i++) {
    if (lua.lua_geti(L, 1, i) !== lua.LUA_TTABLE) lauxlib.luaL_argerror(L, 1, `votes[${i}] is not a table`);
    const entry = lua.lua_gettop(L);
    if (field(L, entry, 'nar_hash') !== lua.LUA_TSTRING) lauxlib.luaL_argerror(L, 1, `votes[${i}].nar_hash is not a string`);
    out.hashes.push(text(view, L, -1));
    out.logs.push(field(L, entry, 'log') === lua.LUA_TSTRING ? text(view, L, -1) : undefined);
    let w = 1;
    if (withWeights) {
      const got = field(L, entry, 'weight') === lua.LUA_TNUMBER ? lua.lua_tonumberx(L, -1) : false;
      if (got === false) lauxlib.luaL_argerror(L, 1, `votes[${i}].weight is not a number`);
      w = got;
    }
    out.weights.push(w);
    lua.lua_settop(L, entry - 1);
  }
  return out;
}

/** Number of configured logs and their total weight, from the `logs` argument at 2. */
function readLogs(L: LuaState, withWeights: boolean): { n: number; total: number } {
  lauxlib.luaL_checktype(L, 2, lua.LUA_TTABLE);
  const n = lauxlib.luaL_len(L, 2);
  if (n > MAX_ENTRIES) lauxlib.luaL_argerror(L, 2, `more than ${MAX_ENTRIES} logs`);
  if (withWeights) charge(2 * Math.max(n, 0));
  let total = 0;
  const top = lua.lua_gettop(L);
  for (let i = 1; withWeights && i <= n; i++) {
    lua.lua_geti(L, 2, i);
    const got = lua.lua_type(L, -1) === lua.LUA_TTABLE && field(L, -1, 'weight') === lua.LUA_TNUMBER ? lua.lua_tonumberx(L, -1) : false;
    if (got === false) lauxlib.luaL_argerror(L, 2, `logs[${i}].weight is not a number`);
    total += got;
    lua.lua_settop(L, top);
  }
  return { n, total };
}

function isCurrent(view: BallotView, L: LuaState): boolean {
  return lua.lua_topointer(L, 1) === view.votes.table && lua.lua_topointer(L, 2) === view.logTable.table;
}

function pushResult(view: BallotView, L: LuaState, h: string | undefined): number {
  if (h === undefined) lua.lua_pushnil(L);
  else view.pushHash(L, h);
  return 1;
}

/** A built-in that counts heads (weighted = false) or weights against a threshold. */
function counting(view: BallotView, weighted: boolean, threshold: (L: LuaState, n: number, total: number) => Enough, rule: string): LuaCFunction {
  return (L) => {
    let found: string | undefined;
    if (isCurrent(view, L)) {
      const enough = threshold(L, view.logs.length, view.totalWeight);
      found = leader(view.hashes, weighted ? view.weights : view.ones, enough);
    } else {
      const votes = readVotes(view, L, weighted);
      const logs = readLogs(L, weighted);
      found = leader(votes.hashes, votes.weights, threshold(L, logs.n, logs.total));
    }
    view.trail.push(lua.lua_type(L, 3) === lua.LUA_TNUMBER ? { rule, arg: lua.lua_tonumberx(L, 3) as number, found } : { rule, found });
    return pushResult(view, L, found);
  };
}

/**
 * The nar_hash of a vote whose content address recomputes to `path` (Nix's own test for a
 * path that needs no signature); nil when none does, or when such votes name different
 * hashes. Read from the current ballot, or from any table of votes with `ca` and `references`.
 */
function contentAddressed(view: BallotView): LuaCFunction {
  return (L) => {
    const path = lauxlib.luaL_checkstring(L, 1) && text(view, L, 1);
    lauxlib.luaL_checktype(L, 2, lua.LUA_TTABLE);
    let store: StorePath;
    try {
      store = parseStorePath(path);
    } catch {
      return lauxlib.luaL_argerror(L, 1, 'not a store path');
    }
    const proven = new Set<string>();
    if (lua.lua_topointer(L, 2) === view.votes.table) {
      for (let j = 0; j < view.hashes.length; j++) {
        const c = view.claimAt(j);
        if (c?.ca !== undefined && c.path === store && caProvesFacts(c) === true) proven.add(c.narHash);
      }
    } else {
      for (const v of readCaVotes(view, L, store)) if (caProvesFacts(v) === true) proven.add(v.narHash);
    }
    const found = proven.size === 1 ? [...proven][0] : undefined;
    if (found !== undefined) view.trail.push({ rule: 'content_addressed', found });
    return pushResult(view, L, found);
  };
}

/** Votes from a table the policy built: nar_hash, ca and references of each. */
function readCaVotes(view: BallotView, L: LuaState, path: StorePath) {
  const n = lauxlib.luaL_len(L, 2);
  if (n > MAX_ENTRIES) lauxlib.luaL_argerror(L, 2, `more than ${MAX_ENTRIES} votes`);
  charge(64 * Math.max(n, 0)); // read field by field, and a content-address proof (a hash) for each
  const out = [];
  for (let i = 1; i <= n; i++) {
    const top = lua.lua_gettop(L);
    if (lua.lua_geti(L, 2, i) !== lua.LUA_TTABLE) lauxlib.luaL_argerror(L, 2, `votes[${i}] is not a table`);
    const entry = lua.lua_gettop(L);
    const ca = field(L, entry, 'ca') === lua.LUA_TSTRING ? text(view, L, -1) : undefined;
    const hash = field(L, entry, 'nar_hash') === lua.LUA_TSTRING ? text(view, L, -1) : undefined;
    const references: StorePath[] = [];
    if (field(L, entry, 'references') === lua.LUA_TTABLE) {
      const refs = lua.lua_gettop(L);
      const m = Math.min(lauxlib.luaL_len(L, refs), MAX_ENTRIES);
      charge(Math.max(m, 0));
      for (let k = 1; k <= m; k++) {
        if (lua.lua_geti(L, refs, k) === lua.LUA_TSTRING) {
          try {
            references.push(parseStorePath(text(view, L, -1)));
          } catch {
            // not a store path: this vote proves nothing
          }
        }
        lua.lua_pop(L, 1);
      }
    }
    lua.lua_settop(L, top);
    if (ca === undefined || hash === undefined) continue;
    try {
      out.push({ path, narHash: parseNarHash(hash), narSize: 1, references, ca });
    } catch {
      // an unparsable hash proves nothing
    }
  }
  return out;
}

function name(view: BallotView): LuaCFunction {
  return (L) => {
    lauxlib.luaL_checkstring(L, 2);
    let found: string | undefined;
    let wanted: string;
    if (lua.lua_topointer(L, 1) === view.votes.table) {
      const i = view.logIndexAt(L, 2);
      if (i < 0) return lauxlib.luaL_error(L, '%s', `no configured log is named ${JSON.stringify(text(view, L, 2))}`);
      wanted = (view.logs[i] as { name: string }).name;
      const j = view.voteOfLog[i] as number;
      found = j < 0 ? undefined : view.hashes[j];
    } else {
      wanted = text(view, L, 2);
      const votes = readVotes(view, L, false);
      const at = votes.logs.indexOf(wanted);
      found = at < 0 ? undefined : votes.hashes[at];
    }
    view.trail.push({ rule: 'name', arg: wanted, found });
    return pushResult(view, L, found);
  };
}

export function installBuiltins(L: LuaState, view: BallotView): void {
  const fns: Record<string, LuaCFunction> = {
    percentage: counting(view, false, (L, n) => percentOf(n, lauxlib.luaL_checknumber(L, 3)), 'percentage'),
    weighted: counting(view, true, (L, _n, total) => fractionOf(total, lauxlib.luaL_checknumber(L, 3)), 'weighted'),
    majority: counting(view, false, (_L, n) => majorityOf(n), 'majority'),
    name: name(view),
    content_addressed: contentAddressed(view),
  };
  lua.lua_createtable(L, 0, 5);
  for (const [k, f] of Object.entries(fns)) {
    lua.lua_pushcfunction(L, f);
    lua.lua_setfield(L, -2, k);
  }
  lua.lua_setglobal(L, 'trustix');
}

/** How each built-in is called, for messages: `trustix.majority(votes, logs)`. */
const CALLS: Readonly<Record<string, string>> = {
  percentage: 'votes, logs, 66', weighted: 'votes, logs, 0.5', majority: 'votes, logs', name: 'votes, "cache.nixos.org"',
};

/**
 * Whether the value at idx is one of the `trustix` built-ins: its name and a call of it.
 * Reads raw, so no metamethod of the policy's runs.
 */
export function builtinAt(L: LuaState, idx: number): { name: string; call: string } | undefined {
  const fn = lua.lua_absindex(L, idx);
  const top = lua.lua_gettop(L);
  try {
    lua.lua_pushglobaltable(L);
    lua.lua_pushliteral(L, 'trustix');
    if (lua.lua_rawget(L, -2) !== lua.LUA_TTABLE) return undefined;
    for (const [name, args] of Object.entries(CALLS)) {
      lua.lua_pushliteral(L, name);
      lua.lua_rawget(L, -2);
      const same = lua.lua_rawequal(L, -1, fn);
      lua.lua_pop(L, 1);
      if (same) return { name: `trustix.${name}`, call: `trustix.${name}(${args})` };
    }
    return undefined;
  } finally {
    lua.lua_settop(L, top);
  }
}
