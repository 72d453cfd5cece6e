/**
 * The binary-cache log against recorded real narinfos (test/data/nix-2.8), through an
 * in-memory Ops: what counts as a vote, a miss or a fault, retries and a down log.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { binaryCache, withLimits, type LogSource } from '../../src/logs/index.ts';
import { parseHashPart, parsePublicKey, parseStorePath, verifyOnThreadPool, type PublicKey, type StorePath } from '../../src/nixfmt/index.ts';
import { NetError, type Ops } from '../../src/ops.ts';

const data = new URL('../data/nix-2.8/', import.meta.url);
const read = (f: string) => readFileSync(new URL(f, data), 'utf8');
const TOP = '2mk5hy75x2b25h13pfppmk1padmmaw32';
const topText = read(`cache/${TOP}.narinfo`);
const topPath = parseStorePath(/^StorePath: (.*)$/m.exec(topText)![1]!);
const keyA = parsePublicKey(read('a.pub').trim());
const keyB = parsePublicKey(read('b.pub').trim());
const stranger = parsePublicKey(`stranger-1:${Buffer.alloc(32, 7).toString('base64')}`);

type Reply = { status: number; body?: string } | Error;

function opsAnswering(replies: Reply[]): Ops & { urls: string[]; clock: number } {
  const urls: string[] = [];
  const ops = {
    urls,
    clock: 0,
    fetch: () => Promise.reject(new Error('a log reads narinfos with fetchText')),
    fetchBytes: () => Promise.reject(new Error('a log reads narinfos with fetchText')),
    async fetchText(url: string, req: { maxBytes: number }) {
      urls.push(url);
      const r = replies.length > 1 ? replies.shift()! : replies[0]!;
      if (r instanceof Error) throw r;
      const text = r.body ?? '';
      if (text.length > req.maxBytes) throw new NetError('too-large', `response body is over ${req.maxBytes} bytes`);
      return { status: r.status, text };
    },
    now: () => ops.clock,
    sleep: async () => {},
    deadline: () => { throw new Error('a log holds no deadlines of its own'); },
    log: () => {},
  };
  return ops;
}

const limits = { timeoutMs: 1000, retries: 2, perLog: 4, global: <T>(f: () => Promise<T>) => f() };

function cacheLog(ops: Ops, key: PublicKey = keyA, url = 'http://127.0.0.1:1'): LogSource {
  const settings = { url, key };
  const cfg = { name: 'a', kind: 'binary-cache', weight: 1, settings, identity: key.raw, upstream: url };
  const state = { read: async () => undefined, write: async () => {} };
  return withLimits(cfg, binaryCache.create(cfg, { ops, verify: verifyOnThreadPool, timeoutMs: limits.timeoutMs, state }), limits, ops);
}

const question = (expected: StorePath = topPath) => ({ hashPart: parseHashPart(TOP), path: expected });
const ask = (ops: Ops, key = keyA, expected = topPath) => cacheLog(ops, key).query(question(expected), new AbortController().signal);

const refused = () => new NetError('refused', 'connection refused');
const silent = () => new NetError('timeout', 'no answer within 1 s');

describe('binary-cache log', () => {
  it('votes with a narinfo signed by its own key', async () => {
    const ops = opsAnswering([{ status: 200, body: topText }]);
    const a = await ask(ops);
    assert.equal(a.outcome, 'vote');
    assert.equal(ops.urls[0], `http://127.0.0.1:1/${TOP}.narinfo`);
    if (a.outcome === 'vote') {
      assert.equal(a.claim.path, topPath);
      assert.equal(a.claim.upstream?.url, 'http://127.0.0.1:1');
      assert.match(a.claim.upstream?.narUrl ?? '', /^nar\/.*\.nar\.xz$/);
      // The claim keeps what proves it: the fingerprint and the Sig that covers it.
      assert.equal(a.claim.proof.kind, 'narinfo-signature');
      if (a.claim.proof.kind === 'narinfo-signature') {
        assert.equal(a.claim.proof.keyName, keyA.name);
        assert.match(a.claim.proof.fingerprint, new RegExp(`^1;${topPath};sha256:`));
        assert.ok(topText.includes(`Sig: ${a.claim.proof.sig}`));
      }
    }
    assert.equal((await ask(opsAnswering([{ status: 200, body: topText }]), keyB)).outcome, 'vote');
  });

  const cases: [string, Reply[], 'miss' | 'fault', string, RegExp, typeof keyA?][] = [
    ['a 404', [{ status: 404 }], 'miss', 'not-found', /404/],
    ['a copy signed by other keys only', [{ status: 200, body: topText }], 'miss', 'other-key', /signed by nixfmt-test-1, nixfmt-test-2, not by this log's key stranger-1/, stranger],
    ['a bad signature', [{ status: 200, body: topText.replace(/NarSize: \d+/, 'NarSize: 1') }], 'fault', 'bad-signature', /bad signature by nixfmt-test-1/],
    ['a malformed narinfo', [{ status: 200, body: 'hello\n' }], 'fault', 'malformed', /malformed narinfo/],
    ['a narinfo for another path', [{ status: 200, body: topText.replace(/-nixfmt-top/, '-nixfmt-evil') }], 'fault', 'wrong-path', /names another path/],
    ['an oversized narinfo', [{ status: 200, body: topText + 'X'.repeat(2 * 1024 * 1024) }], 'fault', 'too-large', /over \d+ bytes/],
    ['a 500 that persists', [{ status: 500 }], 'fault', 'http-status', /HTTP 500/],
    ['a refused connection', [refused()], 'fault', 'unreachable', /refused/],
    ['a log that never answers', [silent()], 'fault', 'timeout', /no answer within 1 s/],
  ];
  for (const [desc, replies, outcome, kind, reason, key] of cases) {
    it(`answers ${outcome} (${kind}) for ${desc}`, async () => {
      const a = await ask(opsAnswering(replies), key);
      assert.equal(a.outcome, outcome);
      assert.equal('kind' in a ? a.kind : '', kind);
      assert.match('reason' in a ? a.reason : '', reason);
    });
  }

  it('votes for an unsigned content-addressed path whose CA recomputes to it, with that as its proof', async () => {
    const text = readFileSync(new URL('ca/cache/klpddb8ny3v6wh850ywzki5q9wal68dq.narinfo', data), 'utf8');
    const path = parseStorePath('/nix/store/klpddb8ny3v6wh850ywzki5q9wal68dq-tv-ca-fod-rec');
    const log = cacheLog(opsAnswering([{ status: 200, body: text }]), stranger);
    const a = await log.query({ hashPart: parseHashPart('klpddb8ny3v6wh850ywzki5q9wal68dq'), path }, new AbortController().signal);
    assert.equal(a.outcome, 'vote');
    assert.deepEqual(a.outcome === 'vote' && a.claim.proof, { kind: 'content-address', ca: 'fixed:r:sha256:18x0nb6n69lrj7qdihyxg8h8r5zhgh02kdrsr28cvrx816d93q77' });
    // A CA that does not recompute to the path is a lie, not a miss.
    const lie = text.replace(/^CA: .*$/m, 'CA: fixed:sha256:0i11c1frq1zh1hxwihfd19vgxj6sazv4fy7s3djjswzfydvp6jxn');
    const b = await cacheLog(opsAnswering([{ status: 200, body: lie }]), stranger).query({ hashPart: parseHashPart('klpddb8ny3v6wh850ywzki5q9wal68dq'), path }, new AbortController().signal);
    assert.equal(b.outcome === 'fault' && b.kind, 'bad-content-address');
    assert.match(b.outcome === 'fault' ? b.reason : '', /^CA fixed:sha256:0i11.* does not prove \/nix\/store\/klpd.*-tv-ca-fod-rec: /);
  });

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

  for (const [what, failure] of [['refused connections', refused], ['requests that time out', silent]] as const) {
    it(`does not retry ${what}, and marks the log down after three`, async () => {
      const ops = opsAnswering([failure()]);
      const log = cacheLog(ops);
      for (let i = 0; i < 5; i++) await log.query(question(), new AbortController().signal);
      assert.equal(ops.urls.length, 3, 'after three failures the log is down and not asked');
      const a = await log.query(question(), new AbortController().signal);
      assert.equal(a.outcome === 'fault' ? a.kind : '', 'log-down');
      assert.match(a.outcome === 'fault' ? a.reason : '', /log is down \((connection refused|no answer within 1 s)\)/);
    });
  }

  it('asks a down log again after its cool-down, and trusts it again when it answers', async () => {
    const replies: Reply[] = [refused(), refused(), refused(), { status: 200, body: topText }];
    const ops = opsAnswering(replies);
    const log = cacheLog(ops);
    for (let i = 0; i < 3; i++) await log.query(question(), new AbortController().signal);
    ops.clock = 29_999;
    assert.equal((await log.query(question(), new AbortController().signal)).outcome, 'fault');
    assert.equal(ops.urls.length, 3, 'still down within the cool-down');
    ops.clock = 30_000;
    assert.equal((await log.query(question(), new AbortController().signal)).outcome, 'vote');
    assert.equal((await log.query(question(), new AbortController().signal)).outcome, 'vote');
    assert.equal(ops.urls.length, 5);
  });

  it('answers fault at once when the run deadline has passed', async () => {
    const ops = opsAnswering([{ status: 200, body: topText }]);
    const c = new AbortController();
    c.abort();
    const a = await cacheLog(ops).query(question(), c.signal);
    assert.equal(a.outcome === 'fault' ? a.kind : '', 'deadline');
    assert.equal(ops.urls.length, 0);
  });
});
