/**
 * Synthetic binary caches for benchmarks: N narinfos forming a DAG (each path refers
 * to a few paths of lower levels), signed by each cache's own key, served from memory
 * on 127.0.0.1. No NARs: only the narinfo traffic is measured.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  encodeNix32, fingerprint, formatNarInfo, generateSecretKey, parseNarHash, parseSecretKey, parseStorePath,
  signFingerprint, type PathFacts, type StorePath,
} from '../src/nixfmt/index.ts';

const NIX32 = '0123456789abcdfghijklmnpqrsvwxyz';

export function syntheticPaths(n: number, levels: number): { paths: StorePath[]; refs: Map<StorePath, StorePath[]> } {
  const paths: StorePath[] = [];
  const refs = new Map<StorePath, StorePath[]>();
  const bytes = randomBytes(n * 32);
  for (let i = 0; i < n; i++) {
    const hash = Array.from(bytes.subarray(i * 32, i * 32 + 32), (b) => NIX32[b % 32]).join('');
    paths.push(parseStorePath(`/nix/store/${hash}-synthetic-${i}`));
  }
  const per = Math.ceil(n / levels);
  // Path 0 is the root; level L holds paths [L*per, (L+1)*per); each refers to up to 5 of the next level.
  for (let i = 0; i < n; i++) {
    const level = Math.floor(i / per);
    const next = paths.slice((level + 1) * per, (level + 2) * per);
    const own = i === 0 ? paths.slice(1, per + 1) : next.length === 0 ? [] : [0, 1, 2, 3, 4].map((k) => next[(i * 7 + k * 13) % next.length]!);
    refs.set(paths[i]!, [...new Set(own)]);
  }
  // Everything must be reachable from the root: level 1 hangs under it, and every path of a
  // level is referenced by some path of the level above.
  for (let level = 1; level < levels; level++) {
    for (let j = level * per; j < Math.min(n, (level + 1) * per); j++) {
      const parent = paths[(level - 1) * per + (j % per)]!;
      const list = refs.get(parent)!;
      if (!list.includes(paths[j]!)) list.push(paths[j]!);
    }
  }
  return { paths, refs };
}

export interface SyntheticCache {
  readonly url: string;
  readonly publicKey: string;
  requests: number;
  close(): Promise<void>;
}

export async function serveSynthetic(name: string, paths: readonly StorePath[], refs: Map<StorePath, StorePath[]>): Promise<SyntheticCache> {
  return serveSigned(name, (sign) => {
    const files = new Map<string, string>();
    for (const p of paths) files.set(p.slice(11, 43), sign({ path: p, narHash: narHashOf(p), narSize: 1000, references: refs.get(p) ?? [] }));
    return (hashPart) => files.get(hashPart);
  });
}

/**
 * A liar that signs a narinfo for whatever hash part it is asked, each listing `invent`
 * references to paths nobody built (issue #9's closure explosion). Counts its requests.
 */
export async function serveInventing(name: string, invent: number, known: readonly StorePath[]): Promise<SyntheticCache> {
  return serveSigned(name, (sign) => {
    const names = new Map(known.map((p) => [p.slice(11, 43), p]));
    let made = 0;
    return (hashPart) => {
      const path = names.get(hashPart);
      if (path === undefined) return undefined;
      const references = Array.from({ length: invent }, () => {
        const h = createHash('sha256').update(`${name}-${made++}`).digest();
        const ref = parseStorePath(`/nix/store/${Array.from(h, (b) => NIX32[b % 32]).join('')}-invented`);
        names.set(ref.slice(11, 43), ref);
        return ref;
      });
      return sign({ path, narHash: narHashOf(path), narSize: 1000, references });
    };
  });
}

const narHashOf = (p: StorePath) => parseNarHash(`sha256:${encodeNix32(createHash('sha256').update(p).digest())}`);

type Sign = (facts: PathFacts) => string;

/**
 * CACHE_LATENCY_MS: every answer waits this long, as from a cache across a network
 * (the default 0 is loopback, where CPU, not waiting, is what a walk costs).
 */
const LATENCY_MS = Number(process.env['CACHE_LATENCY_MS'] ?? 0);

/**
 * A loopback cache under its own key: `make` gets a signer and gives the narinfo text
 * for a hash part (undefined: 404). `/requests` answers the count (uncounted), for a
 * bench that runs the cache in a child process.
 */
async function serveSigned(name: string, make: (sign: Sign) => (hashPart: string) => string | undefined): Promise<SyntheticCache> {
  const pair = generateSecretKey(`${name}-1`);
  const key = parseSecretKey(pair.secret);
  const answer = make((facts) => formatNarInfo({
    ...facts, url: `nar/${facts.path.slice(11, 43)}.nar`, compression: 'none', sigs: [signFingerprint(fingerprint(facts), key)],
  }));
  let requests = 0;
  const server = createServer((req, res) => {
    if (req.url === '/requests') return void res.end(String(requests));
    requests += 1;
    if (req.url === '/nix-cache-info') return void res.end('StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n');
    const m = /^\/([0-9a-df-np-sv-z]{32})\.narinfo$/.exec(req.url ?? '');
    const body = m === null ? undefined : answer(m[1]!);
    const send = () => {
      if (body === undefined) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/x-nix-narinfo', 'content-length': Buffer.byteLength(body) }).end(body);
    };
    if (LATENCY_MS > 0) setTimeout(send, LATENCY_MS);
    else send();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    publicKey: pair.public,
    get requests() { return requests; },
    set requests(v) { requests = v; },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
