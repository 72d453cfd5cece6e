import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { PolicyLoadError } from '../../src/vote/policy.ts';
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
    untrusted('local t = {} for i = 1, 2000 do t[i] = ("x"):rep(1000) end\nreturn table.concat(t)', /table\.concat result would be/);
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
