/**
 * Interned Lua strings.
 *
 * Pushing a JS string converts it to UTF-8 and copies it into a new Lua string, and
 * the first use of a Lua string as a table key hashes all its bytes. NarHashes are
 * 59 bytes and every vote names one, so each distinct string of a decision is pushed
 * once, parked in the registry, and later pushes copy the reference. Because
 * lua_tolstring returns the very byte array of a string value, a string the policy
 * hands back can be recognised as ours by identity, without decoding.
 */
import { lauxlib, lua } from 'fengari';
import type { LuaState } from 'fengari';

const REG = lua.LUA_REGISTRYINDEX;

/** A string pushed once and kept for the life of the state (log names, field names). */
export function internForever(L: LuaState, s: string): number {
  lua.lua_pushliteral(L, s);
  return lauxlib.luaL_ref(L, REG);
}

export function pushRef(L: LuaState, ref: number): void {
  lua.lua_rawgeti(L, REG, ref);
}

/** Strings interned for one decision; `reset` starts the next one. */
export class DecisionStrings {
  private readonly refs: number[] = [];
  private readonly byText = new Map<string, number>();
  private readonly bytes: Uint8Array[] = [];
  private readonly texts: string[] = [];
  private used = 0;

  constructor(L: LuaState, capacity: number) {
    for (let i = 0; i < capacity; i++) {
      lua.lua_pushboolean(L, false);
      this.refs.push(lauxlib.luaL_ref(L, REG));
    }
  }

  reset(): void {
    if (this.used === 0) return;
    this.byText.clear();
    this.used = 0;
  }

  push(L: LuaState, s: string): void {
    const slot = this.byText.get(s);
    if (slot !== undefined) {
      lua.lua_rawgeti(L, REG, this.refs[slot] as number);
      return;
    }
    lua.lua_pushliteral(L, s);
    if (this.used === this.refs.length) return; // full: still correct, just not shared
    const i = this.used++;
    this.bytes[i] = lua.lua_tolstring(L, -1) as Uint8Array;
    this.texts[i] = s;
    this.byText.set(s, i);
    lua.lua_pushvalue(L, -1);
    lua.lua_rawseti(L, REG, this.refs[i] as number);
  }

  /** The JS text of a Lua string pushed by `push` during this decision. */
  textOf(bytes: Uint8Array): string | undefined {
    for (let i = 0; i < this.used; i++) if (this.bytes[i] === bytes) return this.texts[i];
    return undefined;
  }
}
