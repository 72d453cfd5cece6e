import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { parseStorePath } from '../../src/nixfmt/index.ts';
import type { Policy } from '../../src/vote/policy.ts';
import { PATH, REF_A, REF_B, X, Y, ballot, fn, logs } from './fixtures.ts';

const abc = logs('a', 'b', 'c');
const DRV = parseStorePath('/nix/store/1b9p07z77phvv2hf6gm9f28syp39f1ag-hello-2.12.1.drv');
const open: Policy[] = [];
after(() => open.forEach((p) => p.close()));

/** Runs `body`, which must return nil plus a string; gives back that string. */
function seen(body: string, ...specs: Parameters<typeof ballot>[1][]): string {
  const p = fn(body, abc);
  open.push(p);
  const d = p.decide(ballot(abc, ...specs));
  assert.equal(d.verdict, 'untrusted');
  return d.reason;
}

describe('what the policy sees', () => {
  test('path, and one vote per voting log in configured order', () => {
    const out = seen(
      'local s = p .. " #" .. #v\nfor i, x in ipairs(v) do s = s .. " " .. i .. "=" .. x.log .. ":" .. x.nar_hash:sub(1, 12) .. ":" .. x.weight end\nreturn nil, s',
      'miss', Y, X,
    );
    assert.equal(out, `${PATH} #2 1=b:${Y.slice(0, 12)}:1 2=c:${X.slice(0, 12)}:1`);
  });
  test('every field of a vote', () => {
    const out = seen(
      'local x = v[1]\nreturn nil, table.concat({ x.nar_size, #x.references, x.references[1], x.references[2], x.deriver, x.ca }, " ")',
      { narHash: X, narSize: 123456, references: [REF_A, REF_B], deriver: DRV, ca: 'fixed:r:sha256:abc' },
    );
    assert.equal(out, `123456 2 ${REF_A} ${REF_B} ${DRV} fixed:r:sha256:abc`);
  });
  test('a NAR size past 2^31 (beyond fengari integers) arrives exact, as a float', () => {
    assert.equal(seen('return nil, tostring(v[1].nar_size == 5 * 2^32)', { narHash: X, narSize: 5 * 2 ** 32 }), 'true');
  });
  test('absent deriver and ca are nil', () => {
    assert.equal(seen('return nil, tostring(v[1].deriver) .. " " .. tostring(v[1].ca)', X), 'nil nil');
  });
  test('every configured log with its outcome', () => {
    const out = seen(
      'local s = #l\nfor _, x in ipairs(l) do s = s .. " " .. x.name .. "/" .. x.weight .. "/" .. x.outcome .. "/" .. tostring(x.reason) .. "/" .. tostring(x.detail) end\nreturn nil, s',
      X, 'miss', 'fault',
    );
    // reason: the machine-readable kind a policy can test; detail: the line for people.
    assert.equal(out, '3 a/1/vote/nil/nil b/1/miss/not-found/HTTP 404 c/1/fault/timeout/no answer within 5 s');
  });
  test('pairs, next, rawget and rawlen work on the read-only tables', () => {
    const out = seen(
      `local keys = {}
      for k in pairs(v[1]) do keys[#keys + 1] = k end
      table.sort(keys)
      local n = 0
      for _ in pairs(v) do n = n + 1 end
      return nil, table.concat(keys, ",") .. " " .. n .. " " .. rawlen(v) .. " " .. rawget(v[1], "log") .. " " .. tostring(next(v) ~= nil)`,
      X, Y, 'miss',
    );
    assert.equal(out, 'log,nar_hash,nar_size,references,weight 2 2 a true');
  });
  test('odd keys read as nil, like on a plain table', () => {
    assert.equal(seen('return nil, tostring(v[1.5]) .. tostring(v[0]) .. tostring(v[-1]) .. tostring(v["1"]) .. tostring(v[{}]) .. l[2.0].name', X, Y), 'nilnilnilnilnilb');
  });
  test('hashes are interned: a Lua-side tally keyed by hash works', () => {
    const out = seen(
      'local c = {}\nfor _, x in ipairs(v) do c[x.nar_hash] = (c[x.nar_hash] or 0) + 1 end\nreturn nil, tostring(c[v[1].nar_hash]) .. " " .. tostring(c[v[3].nar_hash])',
      X, X, Y,
    );
    assert.equal(out, '2 1');
  });
});

describe('the ballot is read-only', () => {
  const attempts = [
    ['assignment to a vote field', 'v[1].nar_hash = "sha256:evil"'],
    ['a new vote', 'v[4] = v[1]'],
    ['table.insert', 'table.insert(v, { nar_hash = "sha256:evil" })'],
    ['table.remove', 'table.remove(v, 1)'],
    ['rawset on votes', 'rawset(v, 1, { nar_hash = "sha256:evil" })'],
    ['rawset on a vote', 'rawset(v[1], "nar_hash", "sha256:evil")'],
    ['rawset on a log', 'rawset(l[1], "outcome", "vote")'],
    ['setmetatable', 'setmetatable(v, nil)'],
    ['changing the metatable', 'getmetatable(v).__index = function() return "sha256:evil" end'],
  ];
  for (const [what, code] of attempts) {
    test(`${what} fails`, () => {
      const out = seen(`local ok, err = pcall(function() ${code} end)\nreturn nil, tostring(ok) .. " " .. tostring(err)`, X, X, X);
      assert.match(out, /^false /);
    });
  }

  test('nothing a policy does leaks into the Decision or the next decision', () => {
    const p = fn(
      `for _, code in ipairs({
         function() v[1].nar_hash = "x" end, function() rawset(v, 1, {}) end,
         function() setmetatable(v[1], {}) end, function() rawset(l[2], "outcome", "vote") end,
       }) do pcall(code) end
       table.insert(v[1].references, "/nix/store/evil")
       calls = (calls or 0) + 1
       return nil, calls .. " " .. #v .. " " .. v[1].nar_hash .. " " .. #v[1].references .. " " .. l[2].outcome`,
      abc,
    );
    open.push(p);
    const first = p.decide(ballot(abc, X, 'miss', X));
    assert.equal(first.reason, `1 2 ${X} 2 miss`);
    assert.deepEqual(first.missing.map((m) => m.log), ['b']);
    const second = p.decide(ballot(abc, Y, 'miss', Y));
    assert.equal(second.reason, `2 2 ${Y} 2 miss`);
  });

  test('references built in one decision are rebuilt for the next', () => {
    const p = fn('return nil, #v[1].references .. " " .. tostring(v[1].references == v[1].references)', abc);
    open.push(p);
    assert.equal(p.decide(ballot(abc, { narHash: X, references: [REF_A, REF_B] })).reason, '2 true');
    assert.equal(p.decide(ballot(abc, { narHash: X, references: [] })).reason, '0 true');
  });
});
