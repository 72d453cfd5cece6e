/**
 * A scan-resistant cache for serve's offers (a small W-TinyLFU): Nix walks closures, and
 * a walk of a closure larger than the cache, again and again, is exactly what a plain LRU
 * forgets everything under (each walk evicts what the next one asks for first).
 *
 * Three segments, each bounded by bytes and by entries:
 * - **ahead**: entries voted ahead of Nix (prefetch), kept apart until Nix first asks for
 *   them, so a prefetch running ahead cannot evict what it fetched before Nix gets there.
 *   The caller asks `aheadRoom()` before voting ahead; an entry Nix never asks for (a
 *   path already in its store) is dropped when room is wanted once Nix has made four
 *   times as many requests as the cache holds entries since it came: counted in Nix's
 *   requests, not seconds, as a loaded machine slows Nix and the prefetch alike, and
 *   generously, as Nix 2.8 walks depth first and comes back to the first level last.
 * - **window**: a small LRU that every entry Nix asked for enters first.
 * - **main**: an LRU that an entry leaving the window joins only if Nix asked for it more
 *   often than for the entry it would evict (a count-min sketch of 4-bit counters,
 *   halved every 10 × its width of requests, remembers how often). On a tie the main's entry
 *   stays: in a repeated walk, what the cache holds keeps being hit instead of being
 *   replaced by what the walk asks for next.
 * Entries also expire (a TTL each), checked when read.
 */

export interface CacheOptions<V> {
  readonly maxBytes: number;
  readonly maxEntries: number;
  /** What an entry costs, the map's own bookkeeping included. */
  readonly sizeOf: (value: V) => number;
  readonly now: () => number;
}

export interface AdmissionCache<V> {
  /** Nix's request: counts for the key; an entry voted ahead becomes an ordinary one. */
  get(key: string): V | undefined;
  /** Whether the key is held (and fresh), without counting or reordering anything. */
  has(key: string): boolean;
  /** `ahead`: voted ahead of Nix, not asked for yet. */
  set(key: string, value: V, ttlMs: number, ahead?: boolean): void;
  /** How many more entries may be voted ahead now (stale ones are dropped to make room). */
  aheadRoom(): number;
  readonly size: number;
  readonly bytes: number;
}

type Segment = 'ahead' | 'window' | 'main';

interface Entry<V> {
  readonly value: V;
  readonly size: number;
  readonly expires: number;
  /** Nix's requests so far when it came. */
  readonly at: number;
  segment: Segment;
}

/** Shares of the bounds: ahead of Nix, the window, and the rest for main. */
const AHEAD_SHARE = 0.25;
const WINDOW_SHARE = 0.1;
/** For sizing the sketch: no entry costs less than this. */
const MIN_ENTRY_BYTES = 512;
/** An entry voted ahead is stale after this many times the cache's entries of Nix's requests. */
const STALE_FACTOR = 4;

export function createAdmissionCache<V>(o: CacheOptions<V>): AdmissionCache<V> {
  const seg = (share: number) => ({ bytes: Math.floor(o.maxBytes * share), entries: Math.floor(o.maxEntries * share) });
  const cap: Record<Segment, { bytes: number; entries: number }> = { ahead: seg(AHEAD_SHARE), window: seg(WINDOW_SHARE), main: { bytes: 0, entries: 0 } };
  if (cap.window.entries === 0 && o.maxEntries > 0) cap.window = { bytes: o.maxBytes, entries: 1 };
  cap.main = { bytes: Math.max(0, o.maxBytes - cap.ahead.bytes - cap.window.bytes), entries: Math.max(0, o.maxEntries - cap.ahead.entries - cap.window.entries) };
  const maps: Record<Segment, Map<string, Entry<V>>> = { ahead: new Map(), window: new Map(), main: new Map() };
  const used: Record<Segment, number> = { ahead: 0, window: 0, main: 0 };
  let requests = 0;
  /** What entries cost on average (exponentially weighted): how many more the ahead segment can take, how many the cache holds. */
  let average = MIN_ENTRY_BYTES;
  // Wide enough that collisions rarely make a candidate look hotter than it is (a tie keeps main's entry).
  const sketch = createSketch(4 * Math.min(o.maxEntries, Math.ceil(o.maxBytes / MIN_ENTRY_BYTES)));

  function remove(key: string, e: Entry<V>): void {
    maps[e.segment].delete(key);
    used[e.segment] -= e.size;
  }

  function put(key: string, e: Entry<V>, segment: Segment): void {
    e.segment = segment;
    maps[segment].set(key, e);
    used[segment] += e.size;
  }

  function find(key: string): Entry<V> | undefined {
    const e = maps.window.get(key) ?? maps.main.get(key) ?? maps.ahead.get(key);
    if (e !== undefined && e.expires < o.now()) {
      remove(key, e);
      return undefined;
    }
    return e;
  }

  const over = (s: Segment, extra = 0) => used[s] + extra > cap[s].bytes || maps[s].size + (extra > 0 ? 1 : 0) > cap[s].entries;

  /** The window's oldest entries leave it: into main if they are asked for more than what they would evict. */
  function trimWindow(): void {
    for (const [key, e] of maps.window) {
      if (!over('window')) return;
      remove(key, e);
      admit(key, e);
    }
  }

  function admit(key: string, c: Entry<V>): void {
    if (c.size > cap.main.bytes || cap.main.entries === 0) return;
    const now = o.now();
    const victims: [string, Entry<V>][] = [];
    let freed = 0;
    let hottest = 0;
    for (const [k, e] of maps.main) {
      if (!(used.main - freed + c.size > cap.main.bytes || maps.main.size - victims.length + 1 > cap.main.entries)) break;
      victims.push([k, e]);
      freed += e.size;
      if (e.expires >= now) hottest = Math.max(hottest, sketch.estimate(k));
    }
    if (victims.length > 0 && sketch.estimate(key) <= hottest) return;
    for (const [k, e] of victims) remove(k, e);
    put(key, c, 'main');
  }

  function dropStaleAhead(): void {
    const now = o.now();
    const staleAfter = STALE_FACTOR * Math.max(1, Math.min(o.maxEntries, Math.floor(o.maxBytes / average)));
    for (const [key, e] of maps.ahead) {
      if (requests - e.at <= staleAfter && e.expires >= now) return;
      remove(key, e);
    }
  }

  return {
    get(key) {
      requests += 1;
      sketch.increment(key);
      const e = find(key);
      if (e === undefined) return undefined;
      remove(key, e);
      put(key, e, e.segment === 'main' ? 'main' : 'window');
      if (e.segment === 'window') trimWindow();
      return e.value;
    },
    has: (key) => find(key) !== undefined,
    set(key, value, ttlMs, ahead = false) {
      const old = maps.window.get(key) ?? maps.main.get(key) ?? maps.ahead.get(key);
      if (old !== undefined) remove(key, old);
      const now = o.now();
      const e: Entry<V> = { value, size: o.sizeOf(value), expires: now + ttlMs, at: requests, segment: 'window' };
      average += (e.size - average) / 16;
      dropStaleAhead();
      // Never pushes out another entry voted ahead (the caller waits for aheadRoom()); past
      // the segment's bounds it is an ordinary entry.
      if (ahead && !over('ahead', e.size)) {
        put(key, e, 'ahead');
        return;
      }
      put(key, e, 'window');
      trimWindow();
    },
    aheadRoom() {
      dropStaleAhead();
      return Math.max(0, Math.min(cap.ahead.entries - maps.ahead.size, Math.floor((cap.ahead.bytes - used.ahead) / average)));
    },
    get size() {
      return maps.ahead.size + maps.window.size + maps.main.size;
    },
    get bytes() {
      return used.ahead + used.window + used.main;
    },
  };
}

/**
 * Keys seen lately, as 32-bit hashes in two generations of at most `limit` each (about
 * 40 bytes a key): the older generation is forgotten when the newer fills or is
 * `maxAgeMs` old. A collision only makes a key look seen.
 */
export function createRecentKeys(limit: number, maxAgeMs: number, now: () => number) {
  let current = new Set<number>();
  let older = new Set<number>();
  let since = now();
  return {
    add(key: string): void {
      if (current.size >= limit || now() - since > maxAgeMs) {
        older = current;
        current = new Set();
        since = now();
      }
      current.add(hash32(key));
    },
    has(key: string): boolean {
      const h = hash32(key);
      return current.has(h) || (now() - since <= maxAgeMs && older.has(h));
    },
  };
}

/** FNV-1a over the key's UTF-16 code units. */
function hash32(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Count-min sketch: 4 rows of 4-bit counters (one byte each here), aged by halving. */
function createSketch(capacity: number) {
  let width = 64;
  while (width < capacity) width *= 2;
  const mask = width - 1;
  const rows = new Uint8Array(width * 4);
  const sample = 10 * width;
  let additions = 0;
  const slots = (key: string): [number, number, number, number] => {
    const h = hash32(key);
    const h2 = (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0) | 1;
    return [h & mask, width + ((h + h2) & mask), 2 * width + ((h + 2 * h2) & mask), 3 * width + ((h + 3 * h2) & mask)];
  };
  return {
    increment(key: string): void {
      for (const i of slots(key)) if (rows[i]! < 15) rows[i]! += 1;
      if (++additions < sample) return;
      additions /= 2;
      for (let i = 0; i < rows.length; i++) rows[i]! >>= 1;
    },
    estimate(key: string): number {
      let min = 15;
      for (const i of slots(key)) min = Math.min(min, rows[i]!);
      return min;
    },
  };
}
