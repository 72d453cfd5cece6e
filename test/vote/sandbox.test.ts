import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { PolicyLoadError, loadPolicy } from '../../src/vote/policy.ts';
import type { Policy } from '../../src/vote/policy.ts';
import type { Decision } from '../../src/vote/types.ts';
import { X, Y, ballot, fn, logs, policy } from './fixtures.ts';

/**
 * CPU milliseconds this process spent in fn. "Promptly" is about the work the sandbox
 * lets a policy do, so it is measured in CPU time, which other processes on a loaded
 * machine do not stretch the way they stretch wall time.
 */
function cpuMs(fn: () => void): number {
  const t0 = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
}

const abc = logs('a', 'b', 'c');
const open: Policy[] = [];
after(() => open.forEach((p) => p.close()));

function decide(body: string, budget?: number): Decision {
  const p = fn(body, abc, budget);
  open.push(p);
  return p.decide(ballot(abc, X, X, Y));
}

function untrusted(body: string, reason: RegExp): void {
  const d = decide(body);
  assert.equal(d.verdict, 'untrusted');
  assert.equal(d.narHash, undefined);
  assert.match(d.reason, reason);
}

describe('no way out of the sandbox', () => {
  const escapes: [string, string][] = [
    ['os.execute', 'os.execute("touch /tmp/pwned")'],
    ['io.open', 'io.open("/etc/passwd")'],
    ['require', 'require("os")'],
    ['load', 'load("return 1")()'],
    ['loadstring', 'loadstring("return 1")()'],
    ['dofile', 'dofile("/etc/passwd")'],
    ['loadfile', 'loadfile("/etc/passwd")'],
    ['debug', 'debug.getregistry()'],
    ['package', 'package.loadlib("libc.so.6", "system")'],
    ['string.dump', 'string.dump(function() end)'],
    ['collectgarbage', 'collectgarbage("count")'],
    ['print', 'print("hello")'],
    ['coroutine', 'coroutine.wrap(function() end)()'],
    ['string.pack', 'string.pack("c2147483647", "")'],
  ];
  for (const [what, call] of escapes) {
    test(`${what} is unavailable`, () => untrusted(`${call}\nreturn "${X}"`, /^policy error: \/etc\/trustix-vote\/policy\.lua:2: attempt to (call|index) a nil value/));
  }

  test('the dangerous globals are nil, the safe libraries are there', () => {
    const d = decide(`
      for _, name in ipairs({ "os", "io", "package", "debug", "require", "load", "dofile", "loadfile", "collectgarbage" }) do
        if _G[name] ~= nil then return nil, name .. " is reachable" end
      end
      assert(string.format and table.concat and math.floor and utf8.char and pcall and setmetatable)
      return "${X}"`);
    assert.equal(d.verdict, 'trusted', d.reason);
  });

  test('binary chunks are refused at load', () => {
    assert.throws(() => policy('\x1bLua\x53\x00', abc), PolicyLoadError);
  });

  test('the chunk itself runs in the sandbox too', () => {
    assert.throws(() => policy('os.exit(1)', abc), (e: unknown) => e instanceof PolicyLoadError && /policy\.lua:1: attempt to index a nil value/.test(e.message));
  });
});

describe('allocation limits', () => {
  test('string.rep cannot build a huge string', () => {
    untrusted('local s = string.rep("x", 1e9)\nreturn s', /policy error: .*policy\.lua:2: string\.rep result would be 1000000000 long, over the limit/);
  });
  test('nor through the string metatable', () => {
    untrusted('return ("xy"):rep(2^30)', /string\.rep result would be/);
  });
  test('nor loop for ages building an empty string', () => {
    const ms = cpuMs(() => untrusted('return (""):rep(2^31 - 1)', /string\.rep count would be 2147483647/));
    assert.ok(ms < 1000, `${Math.round(ms)} ms of CPU`);
  });
  test('string.rep of a sane size still works', () => {
    assert.equal(decide(`return #("ab"):rep(1000) == 2000 and "${X}" or nil`).verdict, 'trusted');
  });
  test('gsub cannot multiply a string', () => {
    untrusted('local s = ("x"):rep(100000)\nreturn (s:gsub("x", "%0%0%0%0%0%0%0%0%0%0%0%0"))', /string\.gsub result would be/);
    untrusted('local s = ("x"):rep(100000)\nreturn (s:gsub("x", function() return s end))', /string\.gsub result would be/);
  });
  test('gsub with a table or function replacement keeps its meaning', () => {
    const d = decide(`
      local a = ("hello"):gsub("l", { l = "L" })
      local b = ("hello"):gsub("(h)(e)", function(h, e) return e .. h end)
      if a == "heLLo" and b == "ehllo" then return "${X}" end
      return nil, a .. " " .. b`);
    assert.equal(d.verdict, 'trusted', d.reason);
  });
  test('table.concat, table.unpack and string.byte are bounded', () => {
    untrusted('local t = {} for i = 1, 300 do t[i] = ("x"):rep(1000) end\nreturn table.concat(t)', /table\.concat result would be/);
    untrusted('return table.unpack({}, 1, 1e7)', /table\.unpack result list would be/);
    untrusted('return string.byte(("x"):rep(100000), 1, -1)', /string\.byte result list would be/);
  });
  test('a lying __len cannot make table.sort or table.insert walk forever', () => {
    untrusted('local t = setmetatable({}, { __len = function() return 2^31 - 1 end })\ntable.insert(t, 1, "x")', /table\.insert on a table that would be/);
    untrusted('local t = setmetatable({}, { __len = function() return 2^31 - 1 end, __index = function() return 1 end })\ntable.sort(t)', /table\.sort/);
  });
});

describe('instruction budget', () => {
  test('an endless loop becomes an untrusted decision, promptly', () => {
    const ms = cpuMs(() => untrusted('while true do end', /^policy ran past its budget of 1000000 instructions$/));
    assert.ok(ms < 5000, `took too long: ${Math.round(ms)} ms of CPU`);
  });
  test('the budget is per decision and configurable', () => {
    const p = fn('for i = 1, 500 do end\nreturn trustix.majority(v, l)', abc, 1000);
    open.push(p);
    for (let i = 0; i < 5; i++) assert.equal(p.decide(ballot(abc, X, X, Y)).verdict, 'trusted');
    const q = fn('for i = 1, 2000 do end\nreturn trustix.majority(v, l)', abc, 1000);
    open.push(q);
    assert.match(q.decide(ballot(abc, X, X, Y)).reason, /budget of 1000 instructions/);
  });
  test('pcall cannot swallow the budget error', () => {
    untrusted(`
      while true do
        pcall(function() while true do end end)
      end`, /^policy ran past its budget/);
    untrusted(`
      local ok = false
      while not ok do ok = xpcall(function() while true do end end, function(e) while true do end end) end
      return "${X}"`, /^policy ran past its budget/);
  });
  test('xpcall still hands ordinary errors to its handler', () => {
    const d = decide('local ok, e = xpcall(function() error("boom") end, function(m) return "handled " .. m end)\nreturn nil, e');
    assert.equal(d.reason, 'handled /etc/trustix-vote/policy.lua:2: boom');
  });
  test('deep recursion ends as an error, promptly', () => {
    const ms = cpuMs(() => untrusted('local function f(n) return f(n + 1) + 1 end\nreturn f(1)', /^policy (ran past its budget|error: .*stack overflow)/));
    assert.ok(ms < 5000, `took too long: ${Math.round(ms)} ms of CPU`);
  });
  test('catastrophic pattern backtracking is charged to the budget', () => {
    const ms = cpuMs(() => untrusted('return (("a"):rep(4000)):find(("a-"):rep(30) .. "b")', /^policy ran past its budget/));
    assert.ok(ms < 5000, `took too long: ${Math.round(ms)} ms of CPU`);
  });
  test('ordinary patterns still match', () => {
    const d = decide(`local name = p:match("^/nix/store/[0-9a-z]+%-(.*)$")\nif name == "hello-2.12.1" then return "${X}" end\nreturn nil, tostring(name)`);
    assert.equal(d.verdict, 'trusted', d.reason);
  });
  test('a runaway chunk fails at load', () => {
    assert.throws(() => policy('while true do end', abc, 10_000), (e: unknown) => e instanceof PolicyLoadError && /more than 10000 instructions/.test(e.message));
  });
});

describe('library calls are charged by the bytes they touch', () => {
  /** Untrusted with the byte-charged budget reason, well before the unmetered call would end. */
  function cutOff(body: string, within = 3000): void {
    const t0 = performance.now();
    untrusted(body, /^policy ran past its budget of 1000000 instructions, \d+ of them charged for the bytes its library calls touched$/);
    const ms = performance.now() - t0;
    assert.ok(ms < within, `took ${Math.round(ms)} ms`);
  }
  test('a loop of string.rep is cut off by the bytes it makes, not after a million calls', () => {
    cutOff('while true do local s = string.rep("x", 100000) end');
  });
  test('a plain string.find is charged for every byte it compares', () => {
    // Unmetered, fengari compares the needle at each of 128 Ki positions: seconds in one call.
    cutOff('local a = ("a"):rep(131072)\nlocal b = ("a"):rep(4096) .. "b"\nreturn a:find(b, 1, true)');
    cutOff('local a = ("a"):rep(131072)\nlocal b = ("a"):rep(4096) .. "b"\nreturn a:find(b)');
  });
  test('a literal pattern is charged for every character it tests', () => {
    cutOff('local a = ("a"):rep(131072)\nreturn a:match(("a"):rep(4096) .. "b?c")');
  });
  test('each call of upper, lower, reverse, gsub, format and table.concat costs its bytes', () => {
    for (const call of ['s:upper()', 's:lower()', 's:reverse()', 's:gsub("y", "z")', 'string.format("%s", s)', 'table.concat({ s, s })', 's:sub(2)', 's .. "."']) {
      cutOff(`local s = ("x"):rep(60000)\nwhile true do local r = ${call} end`);
    }
  });
  test('plain find still finds what it did', () => {
    const d = decide(`
      local s = "a.b.c"
      local function at(i, j) return tostring(i) .. "-" .. tostring(j) end
      return nil, table.concat({ at(s:find(".", 1, true)), at(s:find("b.c", 1, true)), at(s:find("", 3, true)), at(s:find("z", 1, true)),
        at(s:find(".", -2, true)), at(s:find(".", -1, true)), at(s:find("c", 9, true)), at(s:find("a.", 1)) }, " ")`);
    assert.equal(d.reason, '2-2 3-5 3-2 nil-nil 4-4 nil-nil nil-nil 1-2');
  });
  test('no string longer than 256 KiB, however it is made', () => {
    untrusted('local s = "x"\nwhile true do s = s .. s end', /^policy error: \/etc\/trustix-vote\/policy\.lua:3: a string of 524288 bytes would be over the limit of 262144$/);
    untrusted('local s = ("x"):rep(200000)\nlocal ok, e = pcall(function() return s .. s end)\nreturn nil, e', /^\/etc\/trustix-vote\/policy\.lua:3: a string of 400000 bytes would be over the limit of 262144$/);
  });
  test('a cheap policy pays little for the strings it reads', () => {
    const d = decide(`local n = 0\nfor _, x in ipairs(v) do n = n + #x.nar_hash + #x.references[1] end\nreturn trustix.majority(v, l)`);
    assert.equal(d.verdict, 'trusted', d.reason);
  });
});

describe('time limit', () => {
  function timed(body: string, ms: number, budget = 1e9): Decision {
    const p = loadPolicy({ source: `return function(p, v, l)\n${body}\nend`, chunkName: '/etc/trustix-vote/policy.lua', logs: abc, budget, time: { ms, now: () => performance.now() } });
    open.push(p);
    return p.decide(ballot(abc, X, X, Y));
  }
  test('a decision that runs past it is untrusted, and says so', () => {
    const t0 = performance.now();
    const d = timed('while true do end', 50);
    assert.equal(d.verdict, 'untrusted');
    assert.match(d.reason, /^policy ran past its time limit of 50 ms; stopped after \d+ of its 1000000000 instructions$/);
    assert.ok(performance.now() - t0 < 2000);
  });
  test('inside library calls too, and pcall cannot swallow it', () => {
    assert.match(timed('while true do pcall(function() while true do local s = ("ab"):rep(1000):upper() end end) end', 50).reason, /^policy ran past its time limit of 50 ms/);
  });
  test('a policy that keeps within it is not affected', () => {
    assert.equal(timed('for i = 1, 1000 do end\nreturn trustix.majority(v, l)', 200).verdict, 'trusted');
  });
  test('running the chunk may have a limit of its own', () => {
    const slowChunk = 'for i = 1, 300000 do end\nreturn function(p, v, l) return trustix.majority(v, l) end';
    const p = loadPolicy({ source: slowChunk, chunkName: 'p.lua', logs: abc, time: { ms: 1, now: () => performance.now() }, chunkTimeMs: 60_000 });
    p.close();
    assert.throws(() => loadPolicy({ source: slowChunk, chunkName: 'p.lua', logs: abc, time: { ms: 60_000, now: () => performance.now() }, chunkTimeMs: 1 }),
      (e: unknown) => e instanceof PolicyLoadError && /running the chunk took more than 1 ms/.test(e.message));
  });
  test('a chunk that runs past it fails at load', () => {
    assert.throws(() => loadPolicy({ source: 'while true do end', chunkName: 'p.lua', logs: abc, budget: 1e9, time: { ms: 30, now: () => performance.now() } }),
      (e: unknown) => e instanceof PolicyLoadError && /running the chunk took more than 30 ms/.test(e.message));
  });
});
