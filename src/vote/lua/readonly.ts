/**
 * Read-only tables whose contents live in JS.
 *
 * Each is an empty Lua table with a locked metatable: __index asks a JS `RoSource`,
 * __newindex raises, __len and __pairs answer from JS, and __metatable hides the
 * metatable from getmetatable/setmetatable. Because the table itself never holds a
 * key, and rawset is wrapped to refuse it, nothing a policy does can change what the
 * next reader (or the next decision) sees. rawget, rawlen and next are wrapped too,
 * so the tables look like plain tables to code that uses them.
 */
import { lauxlib, lua, to_jsstring } from 'fengari';
import type { LuaCFunction, LuaState } from 'fengari';

export type Key = string | number;

export interface RoSource {
  /** Pushes the value at `key` and returns true, or pushes nothing for nil. */
  get(L: LuaState, key: Key): boolean;
  len(): number;
  keys(): readonly Key[];
}

const READ_ONLY = 'votes and logs are read-only';

export class ReadOnlyTables {
  private readonly sources = new Map<object, RoSource>();
  /** Lua strings used as keys are mostly constants of the policy chunk: decode each once. */
  private readonly keyNames = new WeakMap<Uint8Array, string>();

  constructor(private readonly L: LuaState) {
    this.wrapGlobal('rawset', (orig) => (L) => {
      if (this.sourceAt(L, 1) !== undefined) lauxlib.luaL_error(L, '%s', READ_ONLY);
      return orig(L);
    });
    this.wrapGlobal('rawget', (orig) => (L) => {
      const src = this.sourceAt(L, 1);
      if (src === undefined) return orig(L);
      return this.index(src, L);
    });
    this.wrapGlobal('rawlen', (orig) => (L) => {
      const src = this.sourceAt(L, 1);
      if (src === undefined) return orig(L);
      lua.lua_pushinteger(L, src.len());
      return 1;
    });
    this.wrapGlobal('next', (orig) => {
      this.rawNext = orig;
      return this.next;
    });
  }

  private rawNext: LuaCFunction = () => 0;
  /** Also the iterator that __pairs hands out. */
  private readonly next: LuaCFunction = (L) => {
    const src = this.sourceAt(L, 1);
    return src === undefined ? this.rawNext(L) : this.nextOf(src, L);
  };

  /** Creates the table for `src` and returns a registry reference to it. */
  create(src: RoSource): { ref: number; table: object } {
    const L = this.L;
    lua.lua_createtable(L, 0, 0);
    lua.lua_createtable(L, 0, 5);
    lua.lua_pushcfunction(L, (L) => this.index(src, L));
    lua.lua_setfield(L, -2, '__index');
    lua.lua_pushcfunction(L, (L) => lauxlib.luaL_error(L, '%s', READ_ONLY));
    lua.lua_setfield(L, -2, '__newindex');
    lua.lua_pushcfunction(L, (L) => {
      lua.lua_pushinteger(L, src.len());
      return 1;
    });
    lua.lua_setfield(L, -2, '__len');
    lua.lua_pushcfunction(L, (L) => {
      lua.lua_pushcfunction(L, this.next);
      lua.lua_pushvalue(L, 1);
      lua.lua_pushnil(L);
      return 3;
    });
    lua.lua_setfield(L, -2, '__pairs');
    lua.lua_pushstring(L, READ_ONLY);
    lua.lua_setfield(L, -2, '__metatable');
    lua.lua_setmetatable(L, -2);
    const table = lua.lua_topointer(L, -1) as object;
    this.sources.set(table, src);
    return { ref: lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX), table };
  }

  private sourceAt(L: LuaState, idx: number): RoSource | undefined {
    if (lua.lua_type(L, idx) !== lua.LUA_TTABLE) return undefined;
    return this.sources.get(lua.lua_topointer(L, idx) as object);
  }

  private keyAt(L: LuaState, idx: number): Key | undefined {
    const t = lua.lua_type(L, idx);
    if (t === lua.LUA_TNUMBER) {
      const n = lua.lua_tonumberx(L, idx);
      return n === false ? undefined : n;
    }
    if (t !== lua.LUA_TSTRING) return undefined;
    const bytes = lua.lua_tolstring(L, idx) as Uint8Array;
    let name = this.keyNames.get(bytes);
    if (name === undefined) {
      name = to_jsstring(bytes, 0, bytes.length, true);
      this.keyNames.set(bytes, name);
    }
    return name;
  }

  private index(src: RoSource, L: LuaState): number {
    const key = this.keyAt(L, 2);
    return key !== undefined && src.get(L, key) ? 1 : 0;
  }

  private nextOf(src: RoSource, L: LuaState): number {
    const keys = src.keys();
    let i = 0;
    if (lua.lua_type(L, 2) > lua.LUA_TNIL) {
      i = keys.indexOf(this.keyAt(L, 2) ?? NaN) + 1;
      if (i === 0) lauxlib.luaL_error(L, '%s', "invalid key to 'next'");
    }
    for (; i < keys.length; i++) {
      const key = keys[i] as Key;
      if (typeof key === 'number') lua.lua_pushinteger(L, key);
      else lua.lua_pushliteral(L, key);
      if (src.get(L, key)) return 2;
      lua.lua_pop(L, 1);
    }
    lua.lua_pushnil(L);
    return 1;
  }

  private wrapGlobal(name: string, wrap: (orig: LuaCFunction) => LuaCFunction): void {
    const L = this.L;
    lua.lua_getglobal(L, name);
    const orig = lua.lua_tocfunction(L, -1);
    lua.lua_pop(L, 1);
    if (orig === null) throw new Error(`sandbox has no global ${name}`);
    lua.lua_pushcfunction(L, wrap(orig));
    lua.lua_setglobal(L, name);
  }
}
