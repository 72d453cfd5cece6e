/**
 * Caps on the library functions that can allocate a lot, or loop a long time, in a
 * single call, where the instruction budget cannot see them: string.rep, format,
 * gsub, byte, table.concat, unpack, insert, remove, move, sort. Each wrapper checks
 * the size the call would produce before handing over to fengari's own function.
 * string.pack & co. are removed ("c2147483647" pads to 2 GiB).
 *
 * Not covered: repeated `s = s .. s` doubles a string in a few instructions; the
 * policy is the machine owner's own file, so this guards mistakes, not malice.
 */
import { lauxlib, lua } from 'fengari';
import type { LuaCFunction, LuaState } from 'fengari';

export const MAX_STRING_BYTES = 1 << 20;
export const MAX_RESULTS = 1 << 14;
export const MAX_TABLE_SPAN = 1 << 17;

/** `level` 1 blames the Lua code that called the wrapper, 2 its caller. */
function tooBig(L: LuaState, what: string, size: number, limit: number, level = 1): never {
  lauxlib.luaL_where(L, level);
  lua.lua_pushliteral(L, `${what} would be ${size} long, over the limit of ${limit}`);
  lua.lua_concat(L, 2);
  return lua.lua_error(L);
}

function strlen(L: LuaState, idx: number): number {
  const t = lua.lua_type(L, idx);
  if (t === lua.LUA_TSTRING) return lua.lua_rawlen(L, idx);
  return t === lua.LUA_TNUMBER ? 32 : 0;
}

/** Lua's string.byte/sub position rules: negative counts from the end. */
function position(p: number, len: number): number {
  if (p >= 0) return p;
  return -p > len ? 0 : len + p + 1;
}

const rep = (orig: LuaCFunction): LuaCFunction => (L) => {
  const l = lauxlib.luaL_checkstring(L, 1).length;
  const n = lauxlib.luaL_checkinteger(L, 2);
  const sep = lua.lua_type(L, 3) === lua.LUA_TSTRING ? lua.lua_rawlen(L, 3) : 0;
  const total = n <= 0 ? 0 : n * l + (n - 1) * sep;
  if (total > MAX_STRING_BYTES) tooBig(L, 'string.rep result', total, MAX_STRING_BYTES);
  // ("").rep(2^31) builds nothing but still loops n times inside one call the budget never sees.
  if (n > MAX_STRING_BYTES) tooBig(L, 'string.rep count', n, MAX_STRING_BYTES);
  return orig(L);
};

const format = (orig: LuaCFunction): LuaCFunction => (L) => {
  let total = lauxlib.luaL_checkstring(L, 1).length;
  // %q may escape every byte as \ddd; a number or a width takes at most ~128 bytes.
  for (let i = 2; i <= lua.lua_gettop(L); i++) total += 4 * strlen(L, i) + 128;
  if (total > MAX_STRING_BYTES) tooBig(L, 'string.format result', total, MAX_STRING_BYTES);
  return orig(L);
};

const byte = (orig: LuaCFunction): LuaCFunction => (L) => {
  const len = lauxlib.luaL_checkstring(L, 1).length;
  const i = Math.max(position(lauxlib.luaL_optinteger(L, 2, 1), len), 1);
  const j = Math.min(position(lauxlib.luaL_optinteger(L, 3, i), len), len);
  if (j - i + 1 > MAX_RESULTS) tooBig(L, 'string.byte result list', j - i + 1, MAX_RESULTS);
  return orig(L);
};

/** gsub with a string replacement: every match may expand %0-%9 to the whole subject. */
function gsubStringBound(subject: number, repl: Uint8Array): number {
  let perMatch = 0;
  for (let k = 0; k < repl.length; k++) {
    if (repl[k] === 0x25 /* % */ && k + 1 < repl.length) {
      const c = repl[++k] as number;
      perMatch += c >= 0x30 && c <= 0x39 ? subject : 1;
    } else {
      perMatch += 1;
    }
  }
  return subject + (subject + 1) * perMatch;
}

const gsub = (orig: LuaCFunction): LuaCFunction => (L) => {
  const subject = lauxlib.luaL_checkstring(L, 1).length;
  lauxlib.luaL_checkstring(L, 2);
  const t = lua.lua_type(L, 3);
  if (t === lua.LUA_TSTRING || t === lua.LUA_TNUMBER) {
    const bound = gsubStringBound(subject, lua.lua_tolstring(L, 3) as Uint8Array);
    if (bound > MAX_STRING_BYTES) tooBig(L, 'string.gsub result', bound, MAX_STRING_BYTES);
    return orig(L);
  }
  if (t !== lua.LUA_TTABLE && t !== lua.LUA_TFUNCTION) return orig(L); // let fengari report the type error
  let produced = subject;
  const isTable = t === lua.LUA_TTABLE;
  // Replace the table or function with one that counts what it hands back.
  lua.lua_pushvalue(L, 3);
  lua.lua_pushcclosure(L, (L2) => {
    if (isTable) {
      lua.lua_pushvalue(L2, 1);
      lua.lua_gettable(L2, lua.lua_upvalueindex(1));
    } else {
      const n = lua.lua_gettop(L2);
      lua.lua_pushvalue(L2, lua.lua_upvalueindex(1));
      lua.lua_insert(L2, 1);
      lua.lua_call(L2, n, 1);
    }
    produced += strlen(L2, -1);
    if (produced > MAX_STRING_BYTES) tooBig(L2, 'string.gsub result', produced, MAX_STRING_BYTES, 2);
    return 1;
  }, 1);
  lua.lua_insert(L, 3);
  lua.lua_remove(L, 4);
  return orig(L);
};

/** [i, j] of a table.* call whose optional range arguments start at `at`. */
function span(L: LuaState, at: number): [number, number] {
  const i = lauxlib.luaL_optinteger(L, at, 1);
  const j = lua.lua_type(L, at + 1) <= 0 ? lauxlib.luaL_len(L, 1) : lauxlib.luaL_checkinteger(L, at + 1);
  return [i, j];
}

const concat = (orig: LuaCFunction): LuaCFunction => (L) => {
  lauxlib.luaL_checktype(L, 1, lua.LUA_TTABLE);
  const sep = lua.lua_type(L, 2) === lua.LUA_TSTRING ? lua.lua_rawlen(L, 2) : 0;
  const [i, j] = span(L, 3);
  if (j - i + 1 > MAX_TABLE_SPAN) tooBig(L, 'table.concat range', j - i + 1, MAX_TABLE_SPAN);
  let total = 0;
  for (let k = i; k <= j; k++) {
    lua.lua_geti(L, 1, k);
    total += strlen(L, -1) + sep;
    lua.lua_pop(L, 1);
    if (total > MAX_STRING_BYTES) tooBig(L, 'table.concat result', total, MAX_STRING_BYTES);
  }
  return orig(L);
};

const unpack = (orig: LuaCFunction): LuaCFunction => (L) => {
  const i = lauxlib.luaL_optinteger(L, 2, 1);
  const j = lua.lua_type(L, 3) <= 0 ? lauxlib.luaL_len(L, 1) : lauxlib.luaL_checkinteger(L, 3);
  if (j - i + 1 > MAX_RESULTS) tooBig(L, 'table.unpack result list', j - i + 1, MAX_RESULTS);
  return orig(L);
};

/** insert, remove and sort walk the whole length, which __len may inflate. */
const walksLength = (name: string) => (orig: LuaCFunction): LuaCFunction => (L) => {
  if (lua.lua_type(L, 1) === lua.LUA_TTABLE) {
    const n = lauxlib.luaL_len(L, 1);
    if (n > MAX_TABLE_SPAN) tooBig(L, `${name} on a table that`, n, MAX_TABLE_SPAN);
  }
  return orig(L);
};

const move = (orig: LuaCFunction): LuaCFunction => (L) => {
  const f = lauxlib.luaL_checkinteger(L, 2);
  const e = lauxlib.luaL_checkinteger(L, 3);
  if (e - f + 1 > MAX_TABLE_SPAN) tooBig(L, 'table.move range', e - f + 1, MAX_TABLE_SPAN);
  return orig(L);
};

const WRAPPERS: Record<string, Record<string, (orig: LuaCFunction) => LuaCFunction>> = {
  string: { rep, format, byte, gsub },
  table: {
    concat,
    unpack,
    move,
    insert: walksLength('table.insert'),
    remove: walksLength('table.remove'),
    sort: walksLength('table.sort'),
  },
};

const REMOVED: Record<string, readonly string[]> = {
  string: ['dump', 'pack', 'unpack', 'packsize'],
};

/** Wraps the library functions in the global tables `string` and `table`. */
export function installLimits(L: LuaState): void {
  for (const [lib, fns] of Object.entries(WRAPPERS)) {
    lua.lua_getglobal(L, lib);
    for (const [name, wrap] of Object.entries(fns)) {
      lua.lua_getfield(L, -1, name);
      const orig = lua.lua_tocfunction(L, -1);
      lua.lua_pop(L, 1);
      if (orig === null) throw new Error(`fengari has no ${lib}.${name}`);
      lua.lua_pushcfunction(L, wrap(orig));
      lua.lua_setfield(L, -2, name);
    }
    for (const name of REMOVED[lib] ?? []) {
      lua.lua_pushnil(L);
      lua.lua_setfield(L, -2, name);
    }
    lua.lua_pop(L, 1);
  }
}
