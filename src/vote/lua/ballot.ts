/**
 * The ballot as the policy sees it: `votes` and `logs`, built once per policy and
 * answered from JS for whichever ballot is current.
 *
 *   votes = { { log = "a", nar_hash = "sha256:0rnl…", nar_size = 123, weight = 1,
 *               references = { "/nix/store/…" }, deriver = "/nix/store/….drv", ca = nil }, … }
 *   logs  = { { name = "a", weight = 1, outcome = "vote" },
 *             { name = "b", weight = 1, outcome = "miss", reason = "not-found", detail = "no narinfo (HTTP 404)" },
 *             { name = "c", weight = 1, outcome = "fault", reason = "timeout", detail = "no answer within 5 s" }, … }
 *
 * A miss's or fault's `reason` is its machine-readable kind (../../claims.ts), `detail` the line for people.
 *
 * Every table is read-only (readonly.ts) and costs nothing per decision until a
 * field is read: a policy that only calls trustix.* built-ins never reads one, as
 * the built-ins recognise these two tables and count `hashes`/`weights` in JS.
 * `references` is built on first read and kept for the rest of the decision.
 */
import { lua, to_jsstring } from 'fengari';
import type { LuaState } from 'fengari';
import type { Answer, Ballot, Claim, LogInfo } from '../../claims.ts';
import { ReadOnlyTables } from './readonly.ts';
import type { Key, RoSource } from './readonly.ts';
import { DecisionStrings, internForever, pushRef } from './strings.ts';

const VOTE_KEYS: readonly Key[] = ['log', 'nar_hash', 'nar_size', 'weight', 'references', 'deriver', 'ca'];
const LOG_KEYS: readonly Key[] = ['name', 'weight', 'outcome', 'reason', 'detail'];
const NO_KEYS: readonly Key[] = [];

function pushNumber(L: LuaState, n: number): void {
  // fengari integers are 32-bit; NAR sizes can be larger.
  if ((n | 0) === n) lua.lua_pushinteger(L, n);
  else lua.lua_pushnumber(L, n);
}

function isIndex(k: Key, n: number): k is number {
  return typeof k === 'number' && Number.isInteger(k) && k >= 1 && k <= n;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

export class BallotView {
  readonly votes: { ref: number; table: object };
  readonly logTable: { ref: number; table: object };
  readonly strings: DecisionStrings;
  readonly totalWeight: number;

  /** The current ballot, one entry per vote, in configured log order. */
  readonly hashes: string[] = [];
  readonly ones: number[] = [];
  readonly weights: number[] = [];
  private readonly claims: Claim[] = [];
  private readonly voterLog: number[] = [];
  /** Per configured log: index of its vote in `hashes`, or -1. */
  readonly voteOfLog: number[];
  private answers: readonly Answer[] = [];

  private readonly nameRefs: number[];
  private readonly outcomeRefs: Record<Answer['outcome'], number>;
  private readonly logIndexCache = new WeakMap<Uint8Array, number>();
  private readonly refsRef: number[] = [];
  private readonly refsBuiltAt: number[] = [];
  private seq = 0;
  /** What each built-in the policy called found, in call order, for the decision's reason. */
  readonly trail: { rule: string; arg?: number | string; found: string | undefined }[] = [];

  constructor(L: LuaState, readonly logs: readonly LogInfo[]) {
    const ro = new ReadOnlyTables(L);
    const n = logs.length;
    this.strings = new DecisionStrings(L, Math.max(n, 1));
    this.totalWeight = logs.reduce((s, l) => s + l.weight, 0);
    this.voteOfLog = new Array<number>(n).fill(-1);
    this.nameRefs = logs.map((l) => internForever(L, l.name));
    this.outcomeRefs = { vote: internForever(L, 'vote'), miss: internForever(L, 'miss'), fault: internForever(L, 'fault') };

    const voteRefs = logs.map((_, j) => ro.create(this.voteSource(j)).ref);
    const logRefs = logs.map((_, i) => ro.create(this.logSource(i)).ref);
    for (let j = 0; j < n; j++) {
      this.refsRef.push(internForever(L, ''));
      this.refsBuiltAt.push(-1);
    }
    this.votes = ro.create({
      get: (L, k) => isIndex(k, this.claims.length) && (pushRef(L, voteRefs[k - 1] as number), true),
      len: () => this.claims.length,
      keys: () => range(this.claims.length),
    });
    this.logTable = ro.create({
      get: (L, k) => isIndex(k, n) && (pushRef(L, logRefs[k - 1] as number), true),
      len: () => n,
      keys: () => range(n),
    });
  }

  set(ballot: Ballot): void {
    this.seq++;
    this.strings.reset();
    this.trail.length = 0;
    this.answers = ballot.answers;
    this.hashes.length = this.ones.length = this.weights.length = this.claims.length = this.voterLog.length = 0;
    for (let i = 0; i < ballot.answers.length; i++) {
      const a = ballot.answers[i] as Answer;
      if (a.outcome !== 'vote') {
        this.voteOfLog[i] = -1;
        continue;
      }
      this.voteOfLog[i] = this.claims.length;
      this.claims.push(a.claim);
      this.voterLog.push(i);
      this.hashes.push(a.claim.narHash);
      this.ones.push(1);
      this.weights.push((this.logs[i] as LogInfo).weight);
    }
  }

  /** The j-th vote's claim (votes in configured log order). */
  claimAt(j: number): Claim | undefined {
    return this.claims[j];
  }

  pushHash(L: LuaState, h: string): void {
    this.strings.push(L, h);
  }

  /** Index of the configured log named by the Lua string at `idx`, or -1. */
  logIndexAt(L: LuaState, idx: number): number {
    const bytes = lua.lua_tolstring(L, idx) as Uint8Array;
    let i = this.logIndexCache.get(bytes);
    if (i === undefined) {
      const name = to_jsstring(bytes, 0, bytes.length, true);
      i = this.logs.findIndex((l) => l.name === name);
      this.logIndexCache.set(bytes, i);
    }
    return i;
  }

  private voteSource(j: number): RoSource {
    return {
      get: (L, key) => {
        const c = this.claims[j];
        if (c === undefined) return false;
        switch (key) {
          case 'log': pushRef(L, this.nameRefs[this.voterLog[j] as number] as number); return true;
          case 'nar_hash': this.strings.push(L, c.narHash); return true;
          case 'nar_size': pushNumber(L, c.narSize); return true;
          case 'weight': pushNumber(L, this.weights[j] as number); return true;
          case 'references': this.pushReferences(L, j, c); return true;
          case 'deriver': return c.deriver !== undefined && (lua.lua_pushliteral(L, c.deriver), true);
          case 'ca': return c.ca !== undefined && (lua.lua_pushliteral(L, c.ca), true);
          default: return false;
        }
      },
      len: () => 0,
      keys: () => (j < this.claims.length ? VOTE_KEYS : NO_KEYS),
    };
  }

  private logSource(i: number): RoSource {
    const info = this.logs[i] as LogInfo;
    return {
      get: (L, key) => {
        const a = this.answers[i];
        switch (key) {
          case 'name': pushRef(L, this.nameRefs[i] as number); return true;
          case 'weight': pushNumber(L, info.weight); return true;
          case 'outcome': return a !== undefined && (pushRef(L, this.outcomeRefs[a.outcome]), true);
          case 'reason': return a !== undefined && a.outcome !== 'vote' && (lua.lua_pushliteral(L, a.kind), true);
          case 'detail': return a !== undefined && a.outcome !== 'vote' && (lua.lua_pushliteral(L, a.reason), true);
          default: return false;
        }
      },
      len: () => 0,
      keys: () => LOG_KEYS,
    };
  }

  private pushReferences(L: LuaState, j: number, c: Claim): void {
    const ref = this.refsRef[j] as number;
    if (this.refsBuiltAt[j] !== this.seq) {
      lua.lua_createtable(L, c.references.length, 0);
      for (let k = 0; k < c.references.length; k++) {
        lua.lua_pushliteral(L, c.references[k] as string);
        lua.lua_rawseti(L, -2, k + 1);
      }
      lua.lua_rawseti(L, lua.LUA_REGISTRYINDEX, ref);
      this.refsBuiltAt[j] = this.seq;
    }
    pushRef(L, ref);
  }
}
