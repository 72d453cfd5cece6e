/** The offers' cache: bounded by bytes and entries, scan-resistant, with room for what is voted ahead. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAdmissionCache } from '../../src/server/cache.ts';

function cache(maxEntries: number, opts: { maxBytes?: number } = {}) {
  let now = 0;
  const c = createAdmissionCache<string>({
    maxBytes: opts.maxBytes ?? 1e6, maxEntries, sizeOf: (v) => v.length, now: () => now,
  });
  return { c, advance: (ms: number) => void (now += ms) };
}

/** Walks keys in order as Nix does, voting (set) what is not held; returns how many were voted. */
function walk(c: ReturnType<typeof cache>['c'], keys: readonly string[]): number {
  let voted = 0;
  for (const k of keys) {
    if (c.get(k) !== undefined) continue;
    voted += 1;
    c.set(k, `v${k}`, 60_000);
  }
  return voted;
}

const keys = (n: number, prefix = 'k') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('admission cache', () => {
  it('holds what fits, and expires entries after their TTL', () => {
    const { c, advance } = cache(100);
    c.set('a', 'x', 1000);
    assert.equal(c.get('a'), 'x');
    advance(1000);
    assert.equal(c.get('a'), 'x', 'fresh up to its TTL');
    advance(1);
    assert.equal(c.get('a'), undefined);
    assert.equal(c.size, 0);
  });

  it('never holds more entries or bytes than its bounds', () => {
    const { c } = cache(50, { maxBytes: 400 });
    for (let round = 0; round < 3; round++) walk(c, keys(200).map((k) => `${k}-${'x'.repeat(round * 5)}`));
    assert.ok(c.size <= 50, `${c.size} entries`);
    assert.ok(c.bytes <= 400, `${c.bytes} bytes`);
  });

  it('keeps most of itself when a set larger than it is walked again and again (an LRU keeps nothing)', () => {
    const { c } = cache(100);
    const closure = keys(300);
    assert.equal(walk(c, closure), 300);
    const again = [walk(c, closure), walk(c, closure), walk(c, closure)];
    for (const v of again) assert.ok(v <= 300 - 50, `each walk again voted ${v} of 300: at least half the cache is hit`);
  });

  it('lets what is asked for often displace what was asked for once', () => {
    const { c } = cache(20);
    walk(c, keys(20, 'old'));
    const hot = keys(10, 'hot');
    for (let i = 0; i < 4; i++) walk(c, hot);
    for (const k of hot) assert.ok(c.has(k), `${k} is held`);
  });

  it('keeps entries voted ahead until they are asked for, and makes no room for more than it can hold', () => {
    const { c, advance } = cache(40);
    const room = c.aheadRoom();
    assert.equal(room, 10, 'a quarter of the cache');
    for (const k of keys(room, 'ahead')) c.set(k, 'x', 1e12, true);
    assert.equal(c.aheadRoom(), 0);
    c.set('extra', 'x', 60_000, true);
    assert.equal(c.aheadRoom(), 0, 'nothing pushes out another entry voted ahead');
    advance(1e9);
    walk(c, keys(20, 'scan'));
    for (const k of keys(room, 'ahead')) assert.ok(c.has(k), `${k} survived a scan of 20 others, however long it took`);
    assert.equal(c.get('ahead0'), 'x');
    assert.equal(c.aheadRoom(), 1, 'asked for: it is an ordinary entry now');
    walk(c, keys(4 * 40 - 21, 'more'));
    assert.equal(c.aheadRoom(), 1, 'not stale until Nix made four times as many requests as the cache holds entries');
    walk(c, keys(1, 'last'));
    assert.equal(c.aheadRoom(), 10, 'never asked for by then: dropped when room is wanted');
  });

  it('makes room ahead by what entries really cost, and keeps an entry voted ahead past that room as an ordinary one', () => {
    const { c } = cache(1000, { maxBytes: 40_000 });
    for (let i = 0; i < 32; i++) c.set(`w${i}`, 'x'.repeat(1000), 60_000);
    const room = c.aheadRoom();
    assert.ok(room <= 10 && room >= 9, `${room}: a quarter of 40,000 bytes in entries of 1,000`);
    for (const k of keys(room + 1, 'ahead')) c.set(k, 'x'.repeat(1000), 60_000, true);
    assert.ok(c.has(`ahead${room}`), 'one more than the room is still kept, in the window');
  });
});
