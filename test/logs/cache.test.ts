/**
 * The binary-cache log against recorded real narinfos (test/data/nix-2.8), through an
 * in-memory Ops: what counts as a vote, a miss or a fault, retries and a down log.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createCacheLog } from '../../src/logs/cache/source.ts';
import { parseHashPart, parsePublicKey, parseStorePath } from '../../src/nixfmt/index.ts';
import type { Ops } from '../../src/ops.ts';

const data = new URL('../data/nix-2.8/', import.meta.url);
const read = (f: string) => readFileSync(new URL(f, data), 'utf8');
const TOP = '2mk5hy75x2b25h13pfppmk1padmmaw32';
const topText = read(`cache/${TOP}.narinfo`);
const topPath = parseStorePath(/^StorePath: (.*)$/m.exec(topText)![1]!);
const keyA = parsePublicKey(read('a.pub').trim());
const keyB = parsePublicKey(read('b.pub').trim());
const stranger = parsePublicKey(`stranger-1:${Buffer.alloc(32, 7).toString('base64')}`);

type Reply = { status: number; body?: string } | Error;

function opsAnswering(replies: Reply[]): Ops & { urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    fetch: () => Promise.reject(new Error('a log reads narinfos with fetchText')),
    async fetchText(url, req) {
      urls.push(url);
      const r = replies.length > 1 ? replies.shift()! : replies[0]!;
      if (r instanceof Error) throw r;
      const text = r.body ?? '';
      if (r.status === 200 && text.length > req.maxBytes) throw Object.assign(new Error(`response body is over ${req.maxBytes} bytes`), { code: 'BODY_TOO_LARGE' });
      return { status: r.status, text: r.status === 200 ? text : '' };
    },
    now: () => 0,
    sleep: async () => {},
    log: () => {},
  };
}

const limits = { timeoutMs: 1000, retries: 2, perLog: 4, global: <T>(f: () => Promise<T>) => f() };
const ask = (ops: Ops, key = keyA, expected = topPath) =>
  createCacheLog({ name: 'a', url: 'http://127.0.0.1:1/', key, weight: 1 }, limits, ops).query(parseHashPart(TOP), expected, new AbortController().signal);

const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

describe('binary-cache log', () => {
  it('votes with a narinfo signed by its own key', async () => {
    const ops = opsAnswering([{ status: 200, body: topText }]);
    const a = await ask(ops);
    assert.equal(a.outcome, 'vote');
    assert.equal(ops.urls[0], `http://127.0.0.1:1/${TOP}.narinfo`);
    if (a.outcome === 'vote') assert.equal(a.claim.upstream?.narinfo.storePath, topPath);
    assert.equal((await ask(opsAnswering([{ status: 200, body: topText }]), keyB)).outcome, 'vote');
  });

  const cases: [string, Reply[], 'miss' | 'fault', RegExp, typeof keyA?][] = [
    ['a 404', [{ status: 404 }], 'miss', /404/],
    ['a copy signed by other keys only', [{ status: 200, body: topText }], 'miss', /not signed by stranger-1/, stranger],
    ['a bad signature', [{ status: 200, body: topText.replace(/NarSize: \d+/, 'NarSize: 1') }], 'fault', /bad signature by nixfmt-test-1/],
    ['a malformed narinfo', [{ status: 200, body: 'hello\n' }], 'fault', /malformed narinfo/],
    ['a narinfo for another path', [{ status: 200, body: topText.replace(/-nixfmt-top/, '-nixfmt-evil') }], 'fault', /names another path/],
    ['an oversized narinfo', [{ status: 200, body: topText + 'X'.repeat(2 * 1024 * 1024) }], 'fault', /over \d+ bytes/],
    ['a 500 that persists', [{ status: 500 }], 'fault', /HTTP 500/],
    ['a refused connection', [refused()], 'fault', /refused/],
  ];
  for (const [desc, replies, outcome, reason, key] of cases) {
    it(`answers ${outcome} for ${desc}`, async () => {
      const a = await ask(opsAnswering(replies), key);
      assert.equal(a.outcome, outcome);
      assert.match('reason' in a ? a.reason : '', reason);
    });
  }

  it('retries a transient 503 and then votes', async () => {
    const ops = opsAnswering([{ status: 503 }, { status: 200, body: topText }]);
    assert.equal((await ask(ops)).outcome, 'vote');
    assert.equal(ops.urls.length, 2);
  });

  it('gives up after the configured retries', async () => {
    const ops = opsAnswering([{ status: 502 }]);
    assert.equal((await ask(ops)).outcome, 'fault');
    assert.equal(ops.urls.length, 1 + limits.retries);
  });

  it('does not retry a refused connection, and marks the log down after three', async () => {
    const ops = opsAnswering([refused()]);
    const log = createCacheLog({ name: 'a', url: 'http://127.0.0.1:1', key: keyA, weight: 1 }, limits, ops);
    for (let i = 0; i < 5; i++) await log.query(parseHashPart(TOP), topPath, new AbortController().signal);
    assert.equal(ops.urls.length, 3, 'after three refusals the log is down and not asked');
    const a = await log.query(parseHashPart(TOP), topPath, new AbortController().signal);
    assert.match(a.outcome === 'fault' ? a.reason : '', /log is down \(connection refused\)/);
  });

  it('answers fault at once when the run deadline has passed', async () => {
    const ops = opsAnswering([{ status: 200, body: topText }]);
    const c = new AbortController();
    c.abort();
    const a = await createCacheLog({ name: 'a', url: 'http://x', key: keyA, weight: 1 }, limits, ops).query(parseHashPart(TOP), topPath, c.signal);
    assert.match(a.outcome === 'fault' ? a.reason : '', /deadline/);
    assert.equal(ops.urls.length, 0);
  });
});
