/**
 * The instruction budget of one policy run.
 *
 * A count hook fires after `limit` VM instructions and raises an error. The policy
 * may catch that error with pcall, so once the budget is spent the hook is re-armed
 * to fire on every instruction: each further instruction raises again until the
 * error reaches our own lua_pcall. Pattern matching, which runs inside one string.*
 * call and so executes no instructions, draws on a step count of the same size
 * (see patterns.ts). `exhausted` tells the caller why the run ended.
 */
import { lauxlib, lua, to_luastring } from 'fengari';
import type { LuaState } from 'fengari';
import { setPatternMeter } from './patterns.ts';

export class Budget {
  exhausted = false;
  /** Pattern-matching steps left; patterns.ts decrements it. */
  steps = 0;
  private readonly message: Uint8Array;
  private readonly hook = (L: LuaState): void => this.exhaust(L);

  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`budget must be a positive integer, got ${limit}`);
    this.message = to_luastring(`policy ran past its budget of ${limit} instructions`);
  }

  /**
   * An error raised from the hook leaves hooks off until a pcall unwinds, so an
   * xpcall message handler would run unmetered. Once the budget is spent the
   * handler is skipped and the error passes through unchanged.
   */
  guardXpcall(L: LuaState): void {
    lua.lua_getglobal(L, 'xpcall');
    const xpcall = lua.lua_tocfunction(L, -1);
    lua.lua_pop(L, 1);
    if (xpcall === null) throw new Error('sandbox has no xpcall');
    const handler = (L: LuaState): number => {
      if (this.exhausted) return 1;
      lua.lua_pushvalue(L, lua.lua_upvalueindex(1));
      lua.lua_insert(L, 1);
      lua.lua_call(L, lua.lua_gettop(L) - 1, 1);
      return 1;
    };
    lua.lua_pushcfunction(L, (L) => {
      lauxlib.luaL_checktype(L, 2, lua.LUA_TFUNCTION);
      lua.lua_pushvalue(L, 2);
      lua.lua_pushcclosure(L, handler, 1);
      lua.lua_insert(L, 2);
      lua.lua_remove(L, 3);
      return xpcall(L);
    });
    lua.lua_setglobal(L, 'xpcall');
  }

  arm(L: LuaState): void {
    this.exhausted = false;
    this.steps = this.limit;
    lua.lua_sethook(L, this.hook, lua.LUA_MASKCOUNT, this.limit);
    setPatternMeter(this);
  }

  disarm(L: LuaState): void {
    setPatternMeter(undefined);
    lua.lua_sethook(L, null, 0, 0);
  }

  exhaust(L: LuaState): never {
    this.exhausted = true;
    this.steps = 0;
    lua.lua_sethook(L, this.hook, lua.LUA_MASKCOUNT, 1);
    lua.lua_pushstring(L, this.message);
    return lua.lua_error(L);
  }
}
