/**
 * A step meter for Lua pattern matching (string.find, match, gmatch, gsub).
 *
 * Matching runs inside one JS call, so the instruction hook never sees it, and a
 * pattern such as ("a"):rep(5000):find(("a-"):rep(30) .. "b") backtracks for
 * hours. Fengari's matcher decrements and restores `matchdepth` on its MatchState
 * at every recursive step; MatchState is private to lstrlib.js, so we reach its
 * prototype through the state object that string.gmatch keeps as the third upvalue
 * of the iterator it returns, and put an accessor there that charges each step to
 * the running policy's budget. With no policy running the accessor only stores.
 */
import { lua } from 'fengari';
import type { LuaState } from 'fengari';

export interface PatternMeter {
  steps: number;
  exhaust(L: LuaState): never;
}

let meter: PatternMeter | undefined;

export function setPatternMeter(m: PatternMeter | undefined): void {
  meter = m;
}

const DEPTH = Symbol('matchdepth');
let installed = false;

interface MatchState {
  L: LuaState;
  [DEPTH]: number;
}

/** Needs a state with the string library open; patches fengari once per process. */
export function installPatternMeter(L: LuaState): void {
  if (installed) return;
  const top = lua.lua_gettop(L);
  lua.lua_getglobal(L, 'string');
  lua.lua_getfield(L, -1, 'gmatch');
  lua.lua_pushstring(L, '');
  lua.lua_pushstring(L, '');
  lua.lua_call(L, 2, 1);
  lua.lua_getupvalue(L, -1, 3);
  const gm = lua.lua_touserdata(L, -1) as { ms?: unknown } | null;
  lua.lua_settop(L, top);
  const proto: unknown = typeof gm?.ms === 'object' && gm.ms !== null ? Object.getPrototypeOf(gm.ms) : undefined;
  if (typeof proto !== 'object' || proto === null || !('matchdepth' in (gm?.ms as object))) {
    throw new Error('fengari internals changed: cannot meter pattern matching (expected fengari 0.1.5)');
  }
  Object.defineProperty(proto, 'matchdepth', {
    configurable: true,
    get(this: MatchState): number {
      return this[DEPTH];
    },
    set(this: MatchState, v: number) {
      this[DEPTH] = v;
      if (meter !== undefined && --meter.steps < 0) meter.exhaust(this.L);
    },
  });
  installed = true;
}

