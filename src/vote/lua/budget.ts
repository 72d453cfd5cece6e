/**
 * What one policy run may spend: an instruction budget, and a time limit when a clock
 * is given.
 *
 * The budget counts VM instructions (a count hook every HOOK_EVERY of them) plus what
 * library calls and new strings are charged through meter.ts, about one unit per byte.
 * Every CHECK_EVERY units and at every hook the run is checked against both limits.
 * Past either, a Lua error is raised. The policy may catch it with pcall, so from then
 * on the hook fires on every instruction and every charge raises again, until the
 * error reaches our own lua_pcall. `overrun` tells the caller why the run ended.
 *
 * The time limit is checked between instructions and charges: one call that runs long
 * without being charged (a == between two long strings, say) is stopped only from
 * outside, by host/policy-worker.ts terminating the worker thread.
 */
import { lauxlib, lua, to_luastring } from 'fengari';
import type { LuaState } from 'fengari';
import { MAX_STRING_BYTES, setMeter } from './meter.ts';
import type { Meter } from './meter.ts';

/** Instructions between two calls of the count hook. */
const HOOK_EVERY = 1000;
/** Units charged between two checks of the limits. */
const CHECK_EVERY = 4096;

/** A time limit for each run, and the clock it is measured with (host code passes performance.now). */
export interface TimeLimit {
  readonly ms: number;
  readonly now: () => number;
}

export class Budget implements Meter {
  /** Why the current (or last) run was stopped; undefined while it may go on. */
  overrun: string | undefined;
  /** Which limit the run went past. */
  overrunBy: 'instructions' | 'time' | undefined;
  /** Units spent in this run, instructions (counted HOOK_EVERY at a time) and charges together. */
  spent = 0;
  /** Of those, the units charged for bytes and matching steps. */
  private charged = 0;
  private nextCheck = 0;
  private deadline = Infinity;
  private armedMs = Infinity;
  private L: LuaState | undefined;
  private raising = false;
  private hookCount: number;
  private readonly hook = (): void => {
    this.spent += this.hookCount;
    this.check();
  };

  constructor(readonly limit: number, readonly time?: TimeLimit) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`budget must be a positive integer, got ${limit}`);
    if (time !== undefined && !(time.ms > 0)) throw new RangeError(`time limit must be > 0 ms, got ${time.ms}`);
    this.hookCount = Math.min(HOOK_EVERY, limit);
  }

  /**
   * An error raised from the hook leaves hooks off until a pcall unwinds, so an
   * xpcall message handler would run unmetered. Once the run is over its limits the
   * handler is skipped and the error passes through unchanged.
   */
  guardXpcall(L: LuaState): void {
    lua.lua_getglobal(L, 'xpcall');
    const xpcall = lua.lua_tocfunction(L, -1);
    lua.lua_pop(L, 1);
    if (xpcall === null) throw new Error('sandbox has no xpcall');
    const handler = (L: LuaState): number => {
      if (this.overrun !== undefined) return 1;
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

  /** Starts a run; `ms` replaces the time limit for this run (running a chunk, say). */
  arm(L: LuaState, ms = this.time?.ms): void {
    this.overrun = this.overrunBy = undefined;
    this.spent = this.charged = 0;
    this.nextCheck = Math.min(this.limit, CHECK_EVERY);
    this.armedMs = ms ?? Infinity;
    this.deadline = this.time === undefined ? Infinity : this.time.now() + this.armedMs;
    this.L = L;
    this.hookCount = Math.min(HOOK_EVERY, this.limit);
    lua.lua_sethook(L, this.hook, lua.LUA_MASKCOUNT, this.hookCount);
    setMeter(this);
  }

  disarm(L: LuaState): void {
    setMeter(undefined);
    lua.lua_sethook(L, null, 0, 0);
    this.L = undefined;
  }

  charge(units: number): void {
    this.spent += units;
    this.charged += units;
    if (this.spent >= this.nextCheck) this.check();
  }

  created(bytes: number): void {
    if (bytes > MAX_STRING_BYTES && !this.raising) {
      this.raise((L) => `${where(L)}a string of ${bytes} bytes would be over the limit of ${MAX_STRING_BYTES}`);
    }
    this.charge(bytes);
  }

  private check(): void {
    if (this.raising) return;
    if (this.overrun === undefined) {
      if (this.spent >= this.limit) [this.overrunBy, this.overrun] = ['instructions', this.budgetMessage()];
      else if (this.time !== undefined && this.time.now() >= this.deadline) [this.overrunBy, this.overrun] = ['time', this.timeMessage()];
      else {
        this.nextCheck = Math.min(this.limit, this.spent + CHECK_EVERY);
        return;
      }
      this.nextCheck = 0;
      this.hookCount = 1;
      lua.lua_sethook(this.L as LuaState, this.hook, lua.LUA_MASKCOUNT, 1);
    }
    const overrun = this.overrun;
    this.raise(() => overrun);
  }

  private budgetMessage(): string {
    const base = `policy ran past its budget of ${this.limit} instructions`;
    // Worth saying when the bytes, not the loops, used it up.
    return this.charged * 10 >= this.limit ? `${base}, ${Math.min(this.charged, this.limit)} of them charged for the bytes its library calls touched` : base;
  }

  private timeMessage(): string {
    return `policy ran past its time limit of ${this.armedMs} ms; stopped after ${this.spent} of its ${this.limit} instructions`;
  }

  /** Raises a Lua error; the strings that making and pushing its message create are not charged. */
  private raise(message: (L: LuaState) => string): never {
    const L = this.L as LuaState;
    this.raising = true;
    try {
      // Inside the VM (a `..`, say) the frame may have no free slot: make room for the message.
      lua.lua_checkstack(L, 4);
      lua.lua_pushstring(L, to_luastring(message(L)));
    } finally {
      this.raising = false;
    }
    return lua.lua_error(L);
  }
}

/** "chunk:line: " of the innermost Lua function running, or "". */
function where(L: LuaState): string {
  for (let level = 0; level < 4; level++) {
    lauxlib.luaL_where(L, level);
    const at = lua.lua_tojsstring(L, -1) ?? '';
    lua.lua_pop(L, 1);
    if (at !== '') return at;
  }
  return '';
}
