/**
 * Metering Lua pattern matching (string.find, match, gmatch, gsub).
 *
 * Matching runs inside one JS call, so the instruction hook never sees it: a pattern
 * such as ("a"):rep(5000):find(("a-"):rep(30) .. "b") backtracks for hours, and a
 * literal pattern compares up to its whole length at every position of the subject.
 * Fengari's matcher decrements and restores `matchdepth` on its MatchState at every
 * recursive step, and reads `src_end` for every character it tests and every start
 * position it tries. MatchState is private to lstrlib.js, so we reach its prototype
 * through the state object that string.gmatch keeps as the third upvalue of the
 * iterator it returns, and put accessors there that charge one unit to the running
 * policy's meter (meter.ts) per step and per character. With no policy running they
 * only store and load.
 */
import { lua } from 'fengari';
import type { LuaState } from 'fengari';
import { charge } from './meter.ts';

const DEPTH = Symbol('matchdepth');
const END = Symbol('src_end');
let installed = false;

interface MatchState {
  [DEPTH]: number;
  [END]: number | null;
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
  if (typeof proto !== 'object' || proto === null || !('matchdepth' in (gm?.ms as object)) || !('src_end' in (gm?.ms as object))) {
    throw new Error('fengari internals changed: cannot meter pattern matching (expected fengari 0.1.5)');
  }
  Object.defineProperty(proto, 'matchdepth', {
    configurable: true,
    get(this: MatchState): number {
      return this[DEPTH];
    },
    set(this: MatchState, v: number) {
      this[DEPTH] = v;
      charge(1);
    },
  });
  Object.defineProperty(proto, 'src_end', {
    configurable: true,
    get(this: MatchState): number | null {
      charge(1);
      return this[END];
    },
    set(this: MatchState, v: number | null) {
      this[END] = v;
    },
  });
  installed = true;
}

