/**
 * Decisions per second of the Lua policy, against a naive marshalling baseline.
 *
 *   node --import tsx bench/vote.ts [ballots] [rounds]
 *
 * Input is synthetic but fixed: a seeded PRNG makes 20,000 ballots over 5 logs with
 * real-shaped store paths, canonical NarHashes and 0-12 references each, mostly
 * unanimous, some with a lying, missing or failing log, some split. Every variant
 * runs the same realistic policy, "66 % of configured logs, else whatever cache-a
 * says", and ends in the same Decision building, so the figures compare only how
 * the policy is called:
 *
 *   naive   fresh votes/logs tables of strings every call, tally written in Lua
 *   lua     the real Policy, with that Lua-side tally reading the read-only tables
 *   real    the real Policy with trustix.percentage / trustix.name (JS built-ins)
 *   worker  the same policy as check and serve run it: on its worker thread
 *           (host/policy-worker.ts), every ballot handed over in one turn (batch
 *           "all"), or 100 per turn of the event loop, the Decision built back here
 *
 * Each figure is the median, min and best of the rounds, after one warm-up round.
 */
import { cpus } from 'node:os';
import { lauxlib, lua, lualib, to_jsstring, to_luastring } from 'fengari';
import type { LuaState } from 'fengari';
import { parseNarHash, parseStorePath } from '../src/nixfmt/index.ts';
import type { NarHash, StorePath } from '../src/nixfmt/index.ts';
import { loadPolicy } from '../src/vote/policy.ts';
import { startPolicyWorker } from '../src/host/policy-worker.ts';
import { consistentBallot } from '../src/vote/consistency.ts';
import { buildDecision, trustedReason, untrustedReason } from '../src/vote/tally.ts';
import type { Answer, Ballot, LogInfo } from '../src/claims.ts';
import type { Decision } from '../src/vote/types.ts';

const BALLOTS = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const LOGS: LogInfo[] = ['cache-a', 'cache-b', 'cache-c', 'cache-d', 'cache-e'].map((name) => ({ name, weight: 1 }));

function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = prng(20240601);
const NIX32 = '0123456789abcdfghijklmnpqrsvwxyz';
const NAMES = ['hello-2.12.1', 'glibc-2.39-52', 'openssl-3.0.14', 'python3-3.12.4', 'gcc-13.3.0-lib', 'bash-5.2p32', 'zlib-1.3.1', 'systemd-256.2'];
const int = (n: number): number => Math.floor(rand() * n);
const narHash = (): NarHash =>
  parseNarHash(`sha256:${Array.from({ length: 64 }, () => '0123456789abcdef'[int(16)]).join('')}`);
const storePath = (): StorePath =>
  parseStorePath(`/nix/store/${Array.from({ length: 32 }, () => NIX32[int(32)]).join('')}-${NAMES[int(NAMES.length)]}`);

function makeBallots(): Ballot[] {
  const pool: StorePath[] = Array.from({ length: 500 }, storePath);
  return Array.from({ length: BALLOTS }, () => {
    const path = storePath();
    const references = [...new Set(Array.from({ length: int(13) }, () => pool[int(pool.length)] as StorePath))].sort();
    const good = narHash();
    const narSize = 1000 + int(50_000_000);
    const vote = (log: string, h: NarHash): Answer => ({ outcome: 'vote', claim: { log, proof: { kind: 'sample' }, path, narHash: h, narSize, references } });
    const r = rand();
    return {
      path,
      answers: LOGS.map((l, i): Answer => {
        if (r < 0.05 && i === 0) return vote(l.name, narHash()); // cache-a lies, is outvoted
        if (r >= 0.05 && r < 0.09 && i === 2) return { outcome: 'miss', kind: 'not-found', reason: 'HTTP 404' };
        if (r >= 0.09 && r < 0.12 && i === 3) return { outcome: 'fault', kind: 'timeout', reason: 'timeout after 5000 ms' };
        if (r >= 0.12 && r < 0.14 && i >= 2) return i === 4 ? vote(l.name, narHash()) : vote(l.name, `${good.slice(0, -1)}0` as NarHash);
        if (r >= 0.14 && r < 0.15 && i >= 2) return { outcome: 'miss', kind: 'not-found', reason: 'HTTP 404' };
        if (r >= 0.15 && r < 0.16) return i === 0 ? { outcome: 'fault', kind: 'bad-signature', reason: 'bad signature' } : vote(l.name, i < 3 ? good : narHash());
        return vote(l.name, good);
      }),
    };
  });
}

const LUA_TALLY = `
local function percentage(votes, logs, pct)
  local counts, best, most, tie = {}, nil, -1, false
  for _, v in ipairs(votes) do counts[v.nar_hash] = (counts[v.nar_hash] or 0) + 1 end
  local n = #logs
  for h, c in pairs(counts) do
    if c * 100 >= pct * n then
      if c > most then best, most, tie = h, c, false elseif c == most then tie = true end
    end
  end
  if tie then return nil end
  return best
end
local function name(votes, log)
  for _, v in ipairs(votes) do if v.log == log then return v.nar_hash end end
end
return function(path, votes, logs) return percentage(votes, logs, 66) or name(votes, "cache-a") end
`;
const BUILTINS = 'return function(path, votes, logs) return trustix.percentage(votes, logs, 66) or trustix.name(votes, "cache-a") end';

/** What a first implementation does: marshal everything, every call, as fresh tables. */
function naivePolicy(): (b: Ballot) => Decision {
  const L: LuaState = lauxlib.luaL_newstate();
  for (const [n, f] of [['_G', lualib.luaopen_base], ['string', lualib.luaopen_string], ['table', lualib.luaopen_table], ['math', lualib.luaopen_math]] as const) {
    lauxlib.luaL_requiref(L, n, f, true);
    lua.lua_pop(L, 1);
  }
  if (lauxlib.luaL_loadbufferx(L, to_luastring(LUA_TALLY), null, '=naive', 't') !== 0) throw new Error(lua.lua_tojsstring(L, -1) ?? '');
  lua.lua_call(L, 0, 1);
  const fn = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
  const hook = (L: LuaState): void => void lauxlib.luaL_error(L, 'budget');
  const set = (k: string, push: () => void): void => {
    push();
    lua.lua_setfield(L, -2, k);
  };
  return (given) => {
    const b = consistentBallot(given);
    lua.lua_settop(L, 0);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, fn);
    lua.lua_pushstring(L, b.path);
    lua.lua_createtable(L, 0, 0);
    let k = 0;
    b.answers.forEach((a) => {
      if (a.outcome !== 'vote') return;
      const c = a.claim;
      lua.lua_createtable(L, 0, 7);
      set('log', () => lua.lua_pushstring(L, c.log));
      set('nar_hash', () => lua.lua_pushstring(L, c.narHash));
      set('nar_size', () => lua.lua_pushnumber(L, c.narSize));
      set('weight', () => lua.lua_pushnumber(L, 1));
      set('references', () => {
        lua.lua_createtable(L, c.references.length, 0);
        c.references.forEach((r, i) => (lua.lua_pushstring(L, r), lua.lua_rawseti(L, -2, i + 1)));
      });
      lua.lua_rawseti(L, -2, ++k);
    });
    lua.lua_createtable(L, LOGS.length, 0);
    b.answers.forEach((a, i) => {
      lua.lua_createtable(L, 0, 4);
      set('name', () => lua.lua_pushstring(L, (LOGS[i] as LogInfo).name));
      set('weight', () => lua.lua_pushnumber(L, 1));
      set('outcome', () => lua.lua_pushstring(L, a.outcome));
      if (a.outcome !== 'vote') set('reason', () => lua.lua_pushstring(L, a.kind));
      lua.lua_rawseti(L, -2, i + 1);
    });
    lua.lua_sethook(L, hook, lua.LUA_MASKCOUNT, 1_000_000);
    if (lua.lua_pcall(L, 3, 1, 0) !== 0) throw new Error(lua.lua_tojsstring(L, -1) ?? '');
    const bytes = lua.lua_tolstring(L, 1);
    if (bytes === null) return buildDecision(b, LOGS, undefined, untrustedReason(b, LOGS));
    const h = parseNarHash(to_jsstring(bytes));
    return buildDecision(b, LOGS, h, trustedReason(b, h));
  };
}

interface Rate { rate: number; out: Decision[] }

function report(label: string, rates: number[]): number {
  const sorted = [...rates].sort((a, b) => a - b);
  const min = sorted[0] ?? 0;
  const max = sorted[sorted.length - 1] ?? 0;
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const fmt = (r: number) => Math.round(r).toLocaleString('en-US').padStart(9);
  console.log(`${label.padEnd(12)} ${fmt(median)} decisions/s median, ${fmt(min)} min, ${fmt(max)} best  (${(1e6 / median).toFixed(1)} µs each, ${rates.length} rounds)`);
  return median;
}

function measure(label: string, decide: (b: Ballot) => Decision, ballots: readonly Ballot[]): Rate {
  let out: Decision[] = ballots.map(decide); // warm up the JIT
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    out = ballots.map(decide);
    rates.push(ballots.length / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  return { rate: report(label, rates), out };
}

/** Every ballot at once (`perTurn` undefined), or `perTurn` of them per turn of the event loop. */
async function measureAsync(label: string, decide: (b: Ballot) => Promise<Decision>, ballots: readonly Ballot[], perTurn?: number): Promise<Rate> {
  const round = async (): Promise<Decision[]> => {
    if (perTurn === undefined) return Promise.all(ballots.map(decide));
    const all: Promise<Decision>[] = [];
    for (let i = 0; i < ballots.length; i += perTurn) {
      all.push(...ballots.slice(i, i + perTurn).map(decide));
      await new Promise((r) => setImmediate(r));
    }
    return Promise.all(all);
  };
  let out = await round();
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    out = await round();
    rates.push(ballots.length / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  return { rate: report(label, rates), out };
}

const ballots = makeBallots();
console.log(`machine: ${cpus()[0]?.model ?? 'unknown'}, node ${process.version}, fengari 0.1.5`);
console.log(`${ballots.length} ballots, ${LOGS.length} logs, ${ballots.reduce((n, b) => n + b.answers.filter((a) => a.outcome === 'vote').length, 0) / ballots.length} votes per path on average`);
const naive = measure('naive', naivePolicy(), ballots);
const luaTally = loadPolicy({ source: LUA_TALLY, chunkName: 'bench/lua-tally.lua', logs: LOGS });
const viaLua = measure('lua', (b) => luaTally.decide(b), ballots);
const real = loadPolicy({ source: BUILTINS, chunkName: 'bench/builtins.lua', logs: LOGS });
const viaJs = measure('real', (b) => real.decide(b), ballots);
const worker = startPolicyWorker({ source: BUILTINS, chunkName: 'bench/builtins.lua', logs: LOGS });
const viaWorker = await measureAsync('worker all', (b) => worker.decide(b), ballots);
const viaWorker100 = await measureAsync('worker 100', (b) => worker.decide(b), ballots, 100);
const same = (x: Decision[]): number => x.filter((d, i) => d.verdict !== naive.out[i]?.verdict || d.narHash !== naive.out[i]?.narHash).length;
console.log(`real / naive = ${(viaJs.rate / naive.rate).toFixed(1)}x, lua / naive = ${(viaLua.rate / naive.rate).toFixed(1)}x, worker all / real = ${(viaWorker.rate / viaJs.rate).toFixed(2)}x`);
console.log(`trusted: ${viaJs.out.filter((d) => d.verdict === 'trusted').length}/${ballots.length}; verdicts differing from naive: real ${same(viaJs.out)}, lua ${same(viaLua.out)}, worker ${same(viaWorker.out)} and ${same(viaWorker100.out)}`);
luaTally.close();
real.close();
await worker.close();
