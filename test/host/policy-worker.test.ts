/**
 * The policy on its worker thread, with real fengari: it decides as the policy does in
 * this thread, and a policy that runs away in one call, hoards memory or is stopped
 * mid-run costs one path (untrusted, with a reason) and its own state, never the process.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Ballot } from '../../src/claims.ts';
import { startPolicyWorker, type PolicyWorker, type PolicyWorkerOptions } from '../../src/host/policy-worker.ts';
import { loadPolicy } from '../../src/vote/policy.ts';
import type { Decision } from '../../src/vote/types.ts';
import { X, Y, Z, ballot, logs } from '../vote/fixtures.ts';

const abc = logs('a', 'b', 'c');
const started: PolicyWorker[] = [];
after(() => Promise.all(started.map((w) => w.close())));

function worker(body: string, more: Partial<PolicyWorkerOptions> = {}): PolicyWorker {
  const w = startPolicyWorker({ source: `return function(p, v, l)\n${body}\nend\n`, chunkName: '/etc/trustix-vote/policy.lua', logs: abc, ...more });
  started.push(w);
  return w;
}

async function timed<T>(p: Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await p;
  return { value, ms: performance.now() - t0 };
}

/** Counts its decisions in a global, so a fresh state shows as "decision 1". */
const COUNTING = 'n = (n or 0) + 1\nif v[1].nar_hash == "%Z" then %HOSTILE end\nreturn nil, "decision " .. n';
const counting = (hostile: string) => COUNTING.replace('%Z', Z).replace('%HOSTILE', hostile);
const normal = ballot(abc, X, X, Y);
const trigger = ballot(abc, Z, X, Y);

describe('policy worker', () => {
  it('decides as the policy does in this thread, many ballots at once', async () => {
    const source = 'return function(p, v, l) return trustix.percentage(v, l, 66) or trustix.name(v, "c") end';
    const specs: Parameters<typeof ballot>[1][][] = [[X, X, Y], [X, 'miss', 'fault'], [Y, Y, Y], ['miss', 'miss', 'miss'], [X, Y, Z], [{ narHash: X, narSize: 1 }, X, X]];
    const ballots: Ballot[] = Array.from({ length: 600 }, (_, i) => ballot(abc, ...(specs[i % specs.length] ?? [])));
    const here = loadPolicy({ source, chunkName: 'p.lua', logs: abc });
    const w = startPolicyWorker({ source, chunkName: 'p.lua', logs: abc });
    started.push(w);
    const there = await Promise.all(ballots.map((b) => w.decide(b)));
    assert.deepEqual(there, ballots.map((b) => here.decide(b)));
    assert.equal(w.started, 1);
    here.close();
  });

  it('cuts off a loop of library calls, and the worker keeps the policy\'s state', async () => {
    const w = worker(counting('while true do local s = string.rep("x", 100000) local i = s:find("y", 1, true) end'));
    assert.equal((await w.decide(normal)).reason, 'decision 1');
    const { value: d, ms } = await timed(w.decide(trigger));
    assert.equal(d.verdict, 'untrusted');
    assert.match(d.reason, /^policy ran past its (budget of 1000000 instructions, \d+ of them charged for the bytes its library calls touched|time limit of 200 ms; stopped after \d+ of its 1000000 instructions)$/);
    assert.ok(ms < 3000, `took ${Math.round(ms)} ms`);
    assert.equal((await w.decide(normal)).reason, 'decision 3', 'the same state: stopped inside the worker');
    assert.equal(w.started, 1);
  });

  it('stops a worker stuck in one long call: that path is untrusted, the next gets a fresh worker and state', async () => {
    // == between two long equal strings compares them byte by byte in one VM instruction,
    // uncharged; hundreds of them pass before the hook can look at the clock. The strings
    // are made (and paid for) in an earlier decision, so the stuck one only compares.
    const w = worker(`a = a or ("x"):rep(1024):rep(256)\nb = b or a:sub(1, -2) .. "x"\n${counting('local x, y = a, b\nwhile x == y do end')}`, { timeLimitMs: 100, graceMs: 50 });
    assert.equal((await w.decide(normal)).reason, 'decision 1');
    assert.equal((await w.decide(normal)).reason, 'decision 2');
    const [stuck, queued] = await Promise.all([timed(w.decide(trigger)), w.decide(normal)]);
    assert.equal(stuck.value.verdict, 'untrusted');
    assert.match(stuck.value.reason, /^policy ran past its time limit of 100 ms; stuck in one call for \d+ ms, its worker was stopped and the policy restarted with fresh state$/);
    assert.ok(stuck.ms < 3000, `took ${Math.round(stuck.ms)} ms`);
    assert.equal(queued.reason, 'decision 1', 'the ballot sent with it is decided again, by a fresh state');
    assert.equal((await w.decide(normal)).reason, 'decision 2');
    assert.equal(w.started, 2);
  });

  it('resets a policy that hoards strings past the memory limit; the next decision works', async () => {
    const w = worker(`${counting('')}`.replace('n = (n or 0) + 1', 'n = (n or 0) + 1\nT = T or {}\nT[#T + 1] = ("x"):rep(1024):rep(200)'), { memoryLimitMb: 16 });
    let d: Decision | undefined;
    let i = 0;
    for (; i < 200; i++) {
      d = await w.decide(normal);
      if (d.reason !== `decision ${i + 1}`) break;
    }
    assert.ok(i > 20 && i < 200, `reset after ${i} decisions of 200 KiB each`);
    assert.equal(d?.verdict, 'untrusted');
    assert.match(d?.reason ?? '', /^policy ran out of memory: its worker held [\d.]+ MiB, over the limit of 16 MiB; the policy restarted with fresh state$/);
    assert.equal((await w.decide(normal)).reason, 'decision 1');
    assert.equal(w.started, 1, 'a fresh Lua state in the same worker');
  });

  it('refuses a string that doubles past the cap', async () => {
    const w = worker(counting('local s = "x"\nwhile true do s = s .. s end'));
    assert.match((await w.decide(trigger)).reason, /^policy error: \/etc\/trustix-vote\/policy\.lua:4: a string of 524288 bytes would be over the limit of 262144$/);
    assert.equal((await w.decide(normal)).reason, 'decision 2');
  });

  it('ends a worker whose heap runs out; the process lives on, and so does the policy', async () => {
    const w = worker(counting('local t = {}\nfor i = 1, 1e8 do t[i] = { i } end'), { memoryLimitMb: 16, timeLimitMs: 60_000, budget: 1e9 });
    assert.equal((await w.decide(normal)).reason, 'decision 1');
    const d = await w.decide(trigger);
    assert.equal(d.verdict, 'untrusted');
    assert.match(d.reason, /^policy ran out of memory \(its worker's heap is limited to 32 MiB\); the worker was stopped and the policy restarted with fresh state$/);
    assert.equal((await w.decide(normal)).reason, 'decision 1');
    assert.equal(w.started, 2);
  });

  it('stops at once when closed mid-run, and answers what was pending', async () => {
    const w = worker(counting('while true do end'), { timeLimitMs: 60_000, budget: 1e9 });
    assert.equal((await w.decide(normal)).reason, 'decision 1');
    const running = w.decide(trigger);
    const waiting = w.decide(normal);
    await new Promise((r) => setTimeout(r, 200));
    const { ms } = await timed(w.close());
    assert.ok(ms < 2000, `close took ${Math.round(ms)} ms`);
    for (const d of await Promise.all([running, waiting, w.decide(normal)])) {
      assert.equal(d.verdict, 'untrusted');
      assert.equal(d.reason, 'policy was stopped before it decided: trustix-vote is shutting down');
    }
  });

  it('fails closed when the policy does not load on its worker, and does not spin', async () => {
    const w = startPolicyWorker({ source: 'return 42', chunkName: 'p.lua', logs: abc });
    started.push(w);
    const d = await w.decide(normal);
    assert.equal(d.verdict, 'untrusted');
    assert.match(d.reason, /^policy did not load on its worker: p\.lua: the chunk must return function/);
    assert.match((await w.decide(normal)).reason, /^policy did not load on its worker/);
    assert.equal(w.started, 1, 'no second worker within the backoff');
  });
});
