/**
 * A fresh Lua state that can compute and nothing else.
 *
 * Opened: base, string, table, math, utf8. Never opened: io, os, package, debug,
 * coroutine (a coroutine would get a hook count of its own, escaping the budget).
 * Removed from base: dofile, loadfile, load, collectgarbage, print (a core does no
 * I/O). Chunks load as text only: binary chunks can crash the VM. JS exceptions
 * raised under a pcall (a bug in a built-in, a RangeError) become Lua errors, so
 * a decision can fail but never throw past the policy.
 */
import { lauxlib, lua, lualib, to_luastring } from 'fengari';
import type { LuaCFunction, LuaState } from 'fengari';
import { installLimits } from './limits.ts';
import { installPatternMeter } from './patterns.ts';

const LIBS: readonly (readonly [string, LuaCFunction])[] = [
  ['_G', lualib.luaopen_base],
  ['string', lualib.luaopen_string],
  ['table', lualib.luaopen_table],
  ['math', lualib.luaopen_math],
  ['utf8', lualib.luaopen_utf8],
];

const REMOVED_GLOBALS = ['dofile', 'loadfile', 'load', 'loadstring', 'require', 'collectgarbage', 'print'];

const nativeError: LuaCFunction = (L) => {
  const e = lua.lua_touserdata(L, 1);
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  lua.lua_pushstring(L, `internal error: ${msg}`);
  return 1;
};

export function newSandbox(): LuaState {
  const L = lauxlib.luaL_newstate();
  lua.lua_atnativeerror(L, nativeError);
  for (const [name, open] of LIBS) {
    lauxlib.luaL_requiref(L, name, open, true);
    lua.lua_pop(L, 1);
  }
  for (const name of REMOVED_GLOBALS) {
    lua.lua_pushnil(L);
    lua.lua_setglobal(L, name);
  }
  installLimits(L);
  installPatternMeter(L);
  return L;
}

/** Loads `source` as a text chunk; on failure leaves the error message on the stack. */
export function loadText(L: LuaState, source: string, chunkName: string): number {
  return lauxlib.luaL_loadbufferx(L, to_luastring(source), null, chunkName, 't');
}
