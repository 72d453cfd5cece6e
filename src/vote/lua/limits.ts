/**
 * Wrappers around the library functions whose one call can read a lot, allocate a
 * lot or loop a long time, where the instruction budget cannot see them.
 *
 * Each charges the running policy (meter.ts) for what the call reads or loops over,
 * about one unit per byte or element; the strings it makes are charged as they are
 * created. Where a call would build something too big, the wrapper refuses before
 * fengari allocates it: string.rep, format, gsub, table.concat, and the calls that
 * return or walk many values (string.byte, table.unpack, insert, remove, move, sort).
 * A plain string.find is done here, charging each byte it compares: fengari's own
 * compares the whole needle at every position, unmetered. string.pack & co. are
 * removed ("c2147483647" pads to 2 GiB).
 */
import { lauxlib, lua } from 'fengari';
import type { LuaCFunction, LuaState } from 'fengari';
import { charge, MAX_STRING_BYTES } from './meter.ts';

export { MAX_STRING_BYTES };
export const MAX_RESULTS = 1 << 14;
export const MAX_TABLE_SPAN = 1 << 17;

type Wrap = (orig: LuaCFunction) => LuaCFunction;

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

/** Lua's string.byte/sub/find position rules: negative counts from the end. */
function position(p: number, len: number): number {
  if (p >= 0) return p;
  return -p > len ? 0 : len + p + 1;
}

/** Charges the byte length of the string (or number) at `idx`, then calls fengari's function. */
const reads = (idx: number): Wrap => (orig) => (L) => {
  charge(strlen(L, idx));
  return orig(L);
};

/** Charges one unit per argument: string.char, utf8.char, table.pack, select. */
const perArgument: Wrap = (orig) => (L) => {
  charge(lua.lua_gettop(L));
  return orig(L);
};

const rep: Wrap = (orig) => (L) => {
  const l = lauxlib.luaL_checkstring(L, 1).length;
  const n = lauxlib.luaL_checkinteger(L, 2);
  const sep = lua.lua_type(L, 3) === lua.LUA_TSTRING ? lua.lua_rawlen(L, 3) : 0;
  const total = n <= 0 ? 0 : n * l + (n - 1) * sep;
  if (total > MAX_STRING_BYTES) tooBig(L, 'string.rep result', total, MAX_STRING_BYTES);
  // ("").rep(2^31) builds nothing but still loops n times inside one call.
  if (n > MAX_STRING_BYTES) tooBig(L, 'string.rep count', n, MAX_STRING_BYTES);
  charge(Math.max(n, 0));
  return orig(L);
};

const format: Wrap = (orig) => (L) => {
  let read = lauxlib.luaL_checkstring(L, 1).length;
  let bound = read;
  // %q may escape every byte as \ddd; a number or a width takes at most ~128 bytes.
  for (let i = 2; i <= lua.lua_gettop(L); i++) {
    const len = strlen(L, i);
    read += len;
    bound += 4 * len + 128;
  }
  if (bound > MAX_STRING_BYTES) tooBig(L, 'string.format result', bound, MAX_STRING_BYTES);
  charge(read);
  return orig(L);
};

const byte: Wrap = (orig) => (L) => {
  const len = lauxlib.luaL_checkstring(L, 1).length;
  const i = Math.max(position(lauxlib.luaL_optinteger(L, 2, 1), len), 1);
  const j = Math.min(position(lauxlib.luaL_optinteger(L, 3, i), len), len);
  if (j - i + 1 > MAX_RESULTS) tooBig(L, 'string.byte result list', j - i + 1, MAX_RESULTS);
  charge(Math.max(j - i + 1, 0));
  return orig(L);
};

const SPECIALS = new Set([...'^$*+?.([%-'].map((c) => c.charCodeAt(0)));

/**
 * string.find: a plain search (asked for, or a pattern without specials) is done here
 * with every compared byte charged; a pattern search goes to fengari, whose matcher
 * patterns.ts meters. Either way the pattern is charged for being read.
 */
const find: Wrap = (orig) => (L) => {
  const s = lauxlib.luaL_checkstring(L, 1);
  const p = lauxlib.luaL_checkstring(L, 2);
  charge(p.length);
  let init = position(lauxlib.luaL_optinteger(L, 3, 1), s.length);
  if (init < 1) init = 1;
  else if (init > s.length + 1) {
    lua.lua_pushnil(L);
    return 1;
  }
  if (!lua.lua_toboolean(L, 4) && p.some((c) => SPECIALS.has(c))) return orig(L);
  const at = plainFind(s, p, init - 1);
  if (at < 0) {
    lua.lua_pushnil(L);
    return 1;
  }
  lua.lua_pushinteger(L, at + 1);
  lua.lua_pushinteger(L, at + p.length);
  return 2;
};

/** Index of `p` in `s` at or after `from`, or -1; charges each byte looked at. */
function plainFind(s: Uint8Array, p: Uint8Array, from: number): number {
  const m = p.length;
  if (m === 0) return from;
  const first = p[0] as number;
  const last = s.length - m;
  let i = from;
  while (i <= last) {
    const next = s.indexOf(first, i);
    if (next < 0 || next > last) {
      charge(s.length - i);
      return -1;
    }
    charge(next - i + 1);
    i = next;
    let k = 1;
    while (k < m && s[i + k] === p[k]) k++;
    charge(k);
    if (k === m) return i;
    i++;
  }
  charge(Math.max(s.length - i, 0));
  return -1;
}

/** match, gmatch: reading the pattern; the matching itself is metered in patterns.ts. */
const readsPattern: Wrap = (orig) => (L) => {
  charge(strlen(L, 2));
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

const gsub: Wrap = (orig) => (L) => {
  const subject = lauxlib.luaL_checkstring(L, 1).length;
  charge(lauxlib.luaL_checkstring(L, 2).length);
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
    const len = strlen(L2, -1);
    produced += len;
    if (produced > MAX_STRING_BYTES) tooBig(L2, 'string.gsub result', produced, MAX_STRING_BYTES, 2);
    charge(len); // copied into the result
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

const concat: Wrap = (orig) => (L) => {
  lauxlib.luaL_checktype(L, 1, lua.LUA_TTABLE);
  const sep = lua.lua_type(L, 2) === lua.LUA_TSTRING ? lua.lua_rawlen(L, 2) : 0;
  const [i, j] = span(L, 3);
  if (j - i + 1 > MAX_TABLE_SPAN) tooBig(L, 'table.concat range', j - i + 1, MAX_TABLE_SPAN);
  charge(Math.max(j - i + 1, 0));
  let total = 0;
  for (let k = i; k <= j; k++) {
    lua.lua_geti(L, 1, k);
    total += strlen(L, -1) + sep;
    lua.lua_pop(L, 1);
    if (total > MAX_STRING_BYTES) tooBig(L, 'table.concat result', total, MAX_STRING_BYTES);
  }
  return orig(L);
};

const unpack: Wrap = (orig) => (L) => {
  const i = lauxlib.luaL_optinteger(L, 2, 1);
  const j = lua.lua_type(L, 3) <= 0 ? lauxlib.luaL_len(L, 1) : lauxlib.luaL_checkinteger(L, 3);
  if (j - i + 1 > MAX_RESULTS) tooBig(L, 'table.unpack result list', j - i + 1, MAX_RESULTS);
  charge(Math.max(j - i + 1, 0));
  return orig(L);
};

/** The length of the table at 1, which __len may inflate: insert, remove and sort walk it. */
function walkedLength(L: LuaState, name: string): number {
  if (lua.lua_type(L, 1) !== lua.LUA_TTABLE) return 0;
  const n = lauxlib.luaL_len(L, 1);
  if (n > MAX_TABLE_SPAN) tooBig(L, `${name} on a table that`, n, MAX_TABLE_SPAN);
  return Math.max(n, 0);
}

/** insert(t, pos, v) and remove(t, pos) shift the elements after pos; at the end they cost one. */
const shifts = (name: string, argsWithPos: number): Wrap => (orig) => (L) => {
  const n = walkedLength(L, name);
  const pos = lua.lua_gettop(L) >= argsWithPos ? lua.lua_tonumberx(L, 2) : false;
  charge(pos === false ? 1 : Math.max(n - pos + 1, 1));
  return orig(L);
};

const sort: Wrap = (orig) => (L) => {
  const n = walkedLength(L, 'table.sort');
  charge(n * Math.max(1, Math.ceil(Math.log2(n + 1))));
  return orig(L);
};

const move: Wrap = (orig) => (L) => {
  const f = lauxlib.luaL_checkinteger(L, 2);
  const e = lauxlib.luaL_checkinteger(L, 3);
  if (e - f + 1 > MAX_TABLE_SPAN) tooBig(L, 'table.move range', e - f + 1, MAX_TABLE_SPAN);
  charge(Math.max(e - f + 1, 0));
  return orig(L);
};

const WRAPPERS: Record<string, Record<string, Wrap>> = {
  _G: { tonumber: reads(1), select: perArgument },
  string: {
    rep, format, byte, gsub, find,
    match: readsPattern, gmatch: readsPattern,
    upper: reads(1), lower: reads(1), reverse: reads(1), char: perArgument,
  },
  table: {
    concat, unpack, move, sort,
    pack: perArgument,
    insert: shifts('table.insert', 3),
    remove: shifts('table.remove', 2),
  },
  utf8: { char: perArgument, codepoint: reads(1), len: reads(1), offset: reads(1) },
};

const REMOVED: Record<string, readonly string[]> = {
  string: ['dump', 'pack', 'unpack', 'packsize'],
};

/** Wraps the library functions in the global tables `_G`, `string`, `table` and `utf8`. */
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
