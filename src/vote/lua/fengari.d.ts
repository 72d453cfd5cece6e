/**
 * Types for the part of fengari 0.1.5 (the Lua 5.3 VM in JS) that src/vote/lua uses.
 *
 * Fengari mirrors the C API: a function operates on the stack of a lua_State.
 * Lua strings are byte arrays (Uint8Array); `lua_tolstring` returns the very array a
 * string value holds, so two pushes of one stored string give the same array, which
 * is what lets us recognise our own strings by identity. Integers are 32-bit in
 * fengari: larger whole numbers must be pushed with lua_pushnumber.
 */
declare module 'fengari' {
  export interface LuaState {
    readonly __fengariLuaState: never;
  }
  export type LuaString = Uint8Array;
  /** A JS function callable from Lua: arguments at stack 1..n, returns how many results it pushed. */
  export type LuaCFunction = (L: LuaState) => number;
  export type LuaHook = (L: LuaState, ar: unknown) => void;
  type Str = string | LuaString;

  interface LuaApi {
    readonly LUA_OK: 0;
    readonly LUA_ERRRUN: number;
    readonly LUA_ERRSYNTAX: number;
    readonly LUA_ERRMEM: number;
    readonly LUA_ERRERR: number;
    readonly LUA_TNONE: -1;
    readonly LUA_TNIL: 0;
    readonly LUA_TBOOLEAN: 1;
    readonly LUA_TLIGHTUSERDATA: 2;
    readonly LUA_TNUMBER: 3;
    readonly LUA_TSTRING: 4;
    readonly LUA_TTABLE: 5;
    readonly LUA_TFUNCTION: 6;
    readonly LUA_TUSERDATA: 7;
    readonly LUA_TTHREAD: 8;
    readonly LUA_MASKCOUNT: number;
    readonly LUA_MULTRET: number;
    readonly LUA_REGISTRYINDEX: number;

    lua_upvalueindex(i: number): number;
    lua_absindex(L: LuaState, idx: number): number;
    lua_atnativeerror(L: LuaState, f: LuaCFunction | null): LuaCFunction | null;
    lua_call(L: LuaState, nargs: number, nresults: number): void;
    lua_checkstack(L: LuaState, n: number): boolean;
    lua_close(L: LuaState): void;
    lua_concat(L: LuaState, n: number): void;
    lua_createtable(L: LuaState, narr: number, nrec: number): void;
    lua_error(L: LuaState): never;
    lua_getfield(L: LuaState, idx: number, k: Str): number;
    lua_getglobal(L: LuaState, name: Str): number;
    lua_geti(L: LuaState, idx: number, i: number): number;
    lua_gettable(L: LuaState, idx: number): number;
    lua_gettop(L: LuaState): number;
    lua_getupvalue(L: LuaState, funcindex: number, n: number): LuaString | null;
    lua_insert(L: LuaState, idx: number): void;
    lua_len(L: LuaState, idx: number): void;
    lua_newtable(L: LuaState): void;
    lua_next(L: LuaState, idx: number): number;
    lua_pcall(L: LuaState, nargs: number, nresults: number, msgh: number): number;
    lua_pop(L: LuaState, n: number): void;
    lua_pushboolean(L: LuaState, b: boolean): void;
    lua_pushcclosure(L: LuaState, f: LuaCFunction, n: number): void;
    lua_pushcfunction(L: LuaState, f: LuaCFunction): void;
    lua_pushglobaltable(L: LuaState): void;
    lua_pushinteger(L: LuaState, n: number): void;
    lua_pushnil(L: LuaState): void;
    lua_pushnumber(L: LuaState, n: number): void;
    lua_pushstring(L: LuaState, s: Str): LuaString;
    /** Like lua_pushstring for a JS string, but converts without the second copy. */
    lua_pushliteral(L: LuaState, s: string): LuaString;
    lua_pushvalue(L: LuaState, idx: number): void;
    lua_iscfunction(L: LuaState, idx: number): boolean;
    lua_rawequal(L: LuaState, idx1: number, idx2: number): boolean;
    lua_rawget(L: LuaState, idx: number): number;
    lua_rawgeti(L: LuaState, idx: number, n: number): number;
    lua_rawlen(L: LuaState, idx: number): number;
    lua_rawset(L: LuaState, idx: number): void;
    lua_rawseti(L: LuaState, idx: number, n: number): void;
    lua_remove(L: LuaState, idx: number): void;
    lua_setfield(L: LuaState, idx: number, k: Str): void;
    lua_setglobal(L: LuaState, name: Str): void;
    lua_sethook(L: LuaState, f: LuaHook | null, mask: number, count: number): void;
    lua_setmetatable(L: LuaState, idx: number): void;
    lua_settop(L: LuaState, idx: number): void;
    lua_toboolean(L: LuaState, idx: number): boolean;
    lua_tocfunction(L: LuaState, idx: number): LuaCFunction | null;
    lua_tojsstring(L: LuaState, idx: number): string | null;
    lua_tolstring(L: LuaState, idx: number): LuaString | null;
    lua_tonumberx(L: LuaState, idx: number): number | false;
    /** The table (or function, thread, userdata) object itself: stable identity, usable as a Map key. */
    lua_topointer(L: LuaState, idx: number): object | null;
    lua_touserdata(L: LuaState, idx: number): unknown;
    lua_type(L: LuaState, idx: number): number;
  }

  interface LauxApi {
    luaL_argerror(L: LuaState, arg: number, extramsg: Str): never;
    luaL_checkinteger(L: LuaState, arg: number): number;
    luaL_checknumber(L: LuaState, arg: number): number;
    luaL_checkstring(L: LuaState, arg: number): LuaString;
    luaL_checktype(L: LuaState, arg: number, t: number): void;
    luaL_error(L: LuaState, fmt: Str, ...args: unknown[]): never;
    luaL_len(L: LuaState, idx: number): number;
    luaL_loadbufferx(L: LuaState, buff: LuaString, size: number | null, name: Str, mode: Str | null): number;
    luaL_newstate(): LuaState;
    luaL_optinteger(L: LuaState, arg: number, def: number): number;
    luaL_ref(L: LuaState, t: number): number;
    luaL_requiref(L: LuaState, modname: Str, openf: LuaCFunction, glb: boolean): void;
    luaL_typename(L: LuaState, idx: number): LuaString;
    /** Pushes "chunk:line: " of the function `level` calls up, or "". */
    luaL_where(L: LuaState, level: number): void;
  }

  interface LualibApi {
    luaopen_base: LuaCFunction;
    luaopen_math: LuaCFunction;
    luaopen_string: LuaCFunction;
    luaopen_table: LuaCFunction;
    luaopen_utf8: LuaCFunction;
  }

  export const lua: LuaApi;
  export const lauxlib: LauxApi;
  export const lualib: LualibApi;
  export function to_luastring(s: string, cache?: boolean): LuaString;
  export function to_jsstring(s: LuaString, from?: number, to?: number, replacementChar?: boolean): string;
}

/** fengari's string object (src/lstring.js): meter.ts watches what it holds. */
declare module 'fengari/src/lstring.js' {
  export class TString {
    realstring: Uint8Array;
    hash: string | null;
  }
}
