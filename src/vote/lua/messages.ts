/**
 * Reading strings and error messages back out of Lua.
 *
 * Lua prefixes a runtime or syntax error with "<chunk>:<line>: ". The chunk is
 * named after the policy file when Lua would show that name whole (it truncates
 * past 59 bytes), otherwise "policy"; either way `errorAt` splits off the line so
 * the caller can print the full file path.
 */
import { lauxlib, lua, to_jsstring } from 'fengari';
import type { LuaState } from 'fengari';

export function chunkLabel(file: string): string {
  return file.length <= 50 && /^[\x20-\x7e]+$/.test(file) ? file : 'policy';
}

/** The string (or number) at `idx` as JS text; invalid UTF-8 becomes U+FFFD. */
export function luaText(L: LuaState, idx: number): string {
  const bytes = lua.lua_tolstring(L, idx);
  return bytes === null ? '' : to_jsstring(bytes, 0, bytes.length, true);
}

export function typeName(L: LuaState, idx: number): string {
  return to_jsstring(lauxlib.luaL_typename(L, idx));
}

/** The error value at the top of the stack: its line in the policy file, and the message. */
export function errorAt(L: LuaState, label: string): { line: number | undefined; message: string } {
  const t = lua.lua_type(L, -1);
  if (t !== lua.LUA_TSTRING && t !== lua.LUA_TNUMBER) {
    return { line: undefined, message: `(error object is a ${typeName(L, -1)} value)` };
  }
  const raw = luaText(L, -1);
  const m = raw.startsWith(`${label}:`) ? /^(\d+): ([^]*)$/.exec(raw.slice(label.length + 1)) : null;
  return m === null ? { line: undefined, message: raw } : { line: Number(m[1]), message: m[2] ?? '' };
}
