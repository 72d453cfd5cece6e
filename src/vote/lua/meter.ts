/**
 * Charging a running policy for work its instruction count cannot see.
 *
 * Lua's count hook sees VM instructions. A library call is one instruction however
 * many bytes it reads or writes: string.rep("x", 2^20) took 18-70 ms and a plain
 * string.find over 128 KiB took seconds, each a single instruction. So the work is
 * charged to the same budget as instructions (budget.ts), about one unit per byte:
 *
 *   - every Lua string created while a policy runs costs its length, wherever it is
 *     made (string.*, table.concat, tostring, `..` in the VM), and may be at most
 *     MAX_STRING_BYTES long: a TString setter on fengari's string class sees each one;
 *   - hashing a string (the first time it is a table key, or compared with <) costs
 *     twice the length of the hash fengari builds for it, the same way;
 *   - the wrappers in limits.ts charge what a call reads (the subject of a search,
 *     each byte a plain find compares, the results string.byte returns, …);
 *   - pattern matching charges each step and each character it tests (patterns.ts).
 *
 * Decisions run one at a time per thread, so one module-level meter serves every Lua
 * state: the running policy arms it (Budget.arm), and with none armed nothing is charged.
 */
import { TString } from 'fengari/src/lstring.js';

/** The longest Lua string a policy may make: far above any store path, NarHash or log detail. */
export const MAX_STRING_BYTES = 1 << 18;

export interface Meter {
  /** Charges `units` to the running policy; raises a Lua error once its budget or time is spent. */
  charge(units: number): void;
  /** A Lua string of `bytes` was made: charged, and refused when longer than MAX_STRING_BYTES. */
  created(bytes: number): void;
}

let current: Meter | undefined;

export function setMeter(m: Meter | undefined): void {
  current = m;
}

export function charge(units: number): void {
  if (current !== undefined) current.charge(units);
}

const BYTES = Symbol('realstring');
const HASH = Symbol('hash');

interface MeteredString {
  [BYTES]: Uint8Array;
  [HASH]: string | null;
}

// TString's constructor assigns `this.realstring` and `this.hash`; accessors on the
// prototype see those assignments (and fengari's later `ts.hash = luaS_hash(…)`).
const proto = TString.prototype as object;
if (!Object.prototype.hasOwnProperty.call(proto, 'realstring')) {
  Object.defineProperty(proto, 'realstring', {
    configurable: true,
    get(this: MeteredString): Uint8Array {
      return this[BYTES];
    },
    set(this: MeteredString, v: Uint8Array) {
      this[BYTES] = v;
      if (current !== undefined) current.created(v.length);
    },
  });
  Object.defineProperty(proto, 'hash', {
    configurable: true,
    get(this: MeteredString): string | null {
      return this[HASH];
    },
    set(this: MeteredString, v: string | null) {
      this[HASH] = v;
      if (v !== null && current !== undefined) current.charge(2 * v.length);
    },
  });
}
