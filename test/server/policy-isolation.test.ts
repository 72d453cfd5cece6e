/**
 * serve's handler stays responsive while a hostile policy runs: the policy decides on
 * its worker thread (host/policy-worker.ts), so /health and the next narinfo do not
 * wait behind it. Real fengari; the logs are in memory.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createEngine, type NamedPolicy } from '../../src/engine/engine.ts';
import { startPolicyWorker } from '../../src/host/policy-worker.ts';
import { generateSecretKey, hashPartOf, parseSecretKey } from '../../src/nixfmt/index.ts';
import { createHandler } from '../../src/server/handler.ts';
import { createMetrics } from '../../src/server/metrics.ts';
import { createOffers } from '../../src/server/offers.ts';
import { loadPolicy, type PolicyRunner } from '../../src/vote/policy.ts';
import { claim, fakeLog, fakeOps, hash, path } from '../engine/fakes.ts';

const key = parseSecretKey(generateSecretKey('isolation-test-1').secret);
const lib = path('lib', 1);
const app = path('app', 2);
const hostile = hash('6');
// For app (voted 6), a loop of uncharged == between 150 KB strings: stopped only from outside.
const SOURCE = `return function(p, v, l)
  if v[1].nar_hash == "${hostile}" then
    a = ("x"):rep(1000):rep(150)
    b = a:sub(1, -2) .. "x"
    while a == b do end
  end
  return trustix.majority(v, l)
end`;

function serve(policy: PolicyRunner) {
  const logs = ['a', 'b', 'c'].map((n) => fakeLog(n, [claim(lib, '1'), claim(app, '6')]));
  const ops = fakeOps();
  const engine = createEngine({ logs, ops });
  const policies: NamedPolicy[] = [{ name: '', policy }];
  const offers = createOffers({
    engine, policies, ops, key, mode: 'enforce', upstreams: [], cacheSize: 0, ttlMs: 0,
    deadlineMs: 60_000, timeoutMs: 1000, observer: {}, prefetch: false,
  });
  const handler = createHandler({ offers, ops, metrics: createMetrics(), priority: 40, timeoutMs: 1000, report: () => [] });
  return (target: string) => handler({ method: 'GET', target, signal: new AbortController().signal });
}

/**
 * While the hostile narinfo is being decided, asks /health every 20 ms; each answer's
 * lateness counts from when it was due, so a blocked event loop shows.
 */
async function healthDuringHostileVote(get: ReturnType<typeof serve>): Promise<{ worst: number; asked: number; status: number; body: string }> {
  assert.equal((await get(`/${hashPartOf(lib)}.narinfo`)).status, 404, 'warm: lib is decided (no upstream, so 404)');
  let done = false;
  const vote = get(`/${hashPartOf(app)}.narinfo`).finally(() => (done = true));
  const lateness: number[] = [];
  const t0 = performance.now();
  for (let k = 1; !done && k < 200; k++) {
    const due = t0 + 20 * k;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    if (done) break;
    const res = await get('/health');
    assert.equal(res.status, 200);
    lateness.push(performance.now() - due);
  }
  const answer = await vote;
  return { worst: Math.max(0, ...lateness), asked: lateness.length, status: answer.status, body: String(answer.body) };
}

describe('a hostile policy and the rest of serve', () => {
  const workers: PolicyRunner[] = [];
  after(() => Promise.all(workers.map((w) => w.close())));

  it('/health answers within 100 ms while the policy is stuck on its worker, and the stuck path is a 404 with the reason', async (t) => {
    const w = startPolicyWorker({ source: SOURCE, chunkName: 'policy.lua', logs: ['a', 'b', 'c'].map((name) => ({ name, weight: 1 })) });
    workers.push(w);
    const r = await healthDuringHostileVote(serve(w));
    t.diagnostic(`worker: ${r.asked} /health calls during the vote, worst ${r.worst.toFixed(1)} ms late`);
    assert.ok(r.asked >= 5, `the vote lasted through ${r.asked} /health calls`);
    assert.ok(r.worst < 100, `/health was ${r.worst.toFixed(1)} ms late`);
    assert.equal(r.status, 404);
    // Usually stopped from outside; on a loaded machine making the strings may already pass the limit.
    assert.match(r.body, /^policy ran past its time limit of 200 ms; (stuck in one call for \d+ ms, its worker was stopped and the policy restarted with fresh state|stopped after \d+ of its 1000000 instructions)\n$/);
  });

  it('(for comparison: the same policy in serve\'s own thread holds /health back)', async (t) => {
    const p = loadPolicy({ source: SOURCE, chunkName: 'policy.lua', logs: ['a', 'b', 'c'].map((name) => ({ name, weight: 1 })), time: { ms: 200, now: () => performance.now() } });
    const r = await healthDuringHostileVote(serve(p));
    p.close();
    t.diagnostic(`in this thread: ${r.asked} /health calls, worst ${r.worst.toFixed(1)} ms late`);
    assert.ok(r.asked <= 1 || r.worst >= 100, 'nothing answers while the policy runs in this thread');
  });
});
