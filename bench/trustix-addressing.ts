/**
 * bench/trustix-addressing: how should a Trustix log, which is keyed by full store
 * path, be asked when Nix (serve) or a closure walk (check) names only a hash part?
 *
 *   learn   (what the kind does) the log is 'store-path' addressed: the engine asks
 *           the binary caches by hash part first, then the Trustix log by the path
 *           they named: two round trips one after the other.
 *   index   the log is 'hash-part' addressed: at start it reads every leaf of the log
 *           (GetLogEntries, whose Key is the store path) into a hash part → path map,
 *           then is asked in parallel with the caches.
 *
 * Measured in one process over loopback: 2 synthetic signed binary caches
 * (synthetic.ts) and a test Trustix node (test/trustix/node.ts) holding the same
 * N paths; a closure of N paths walked as check does, Nix-like lookups one hash part
 * at a time as serve gets them, and the cost of building the index for logs of
 * growing size. Run: node --import tsx bench/trustix-addressing.ts [paths] [rounds]
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { miss } from '../src/claims.ts';
import { parseConfig } from '../src/config/config.ts';
import { createEngine } from '../src/engine/engine.ts';
import { createHostOps } from '../src/host/ops.ts';
import { createFileState } from '../src/host/state.ts';
import { LOG_KINDS, createSources, register, trustixLog, type LogKind, type TrustixSettings } from '../src/logs/index.ts';
import { encodeNix32, hashPartOf, parseStorePath, type StorePath } from '../src/nixfmt/index.ts';
import { createTrustixClient } from '../src/trustix/client.ts';
import { encodeValue } from '../src/trustix/index.ts';
import { majority } from '../test/engine/fakes.ts';
import { TestNode } from '../test/trustix/node.ts';
import { Publisher } from '../test/trustix/publisher.ts';
import { signerFromSeed } from '../test/trustix/sign.ts';
import { serveSynthetic, syntheticPaths } from './synthetic.ts';
import { median } from './stats.ts';

const N = Number(process.argv[2] ?? 2000);
const ROUNDS = Number(process.argv[3] ?? 5);
const CHUNK = 10_000n;

/** The alternative: the same kind, asked by hash part through an index of the log's leaves. */
const indexed: LogKind<TrustixSettings> = {
  ...trustixLog,
  kind: 'trustix-indexed',
  create(cfg, ctx) {
    const inner = trustixLog.create(cfg, ctx);
    const client = createTrustixClient({ ops: ctx.ops, url: cfg.settings.url, timeoutMs: ctx.timeoutMs });
    const index = new Map<string, StorePath>();
    return {
      addressing: 'hash-part',
      async start(signal) {
        const failed = await inner.start?.(signal);
        if (failed !== undefined) return failed;
        await buildIndex(client, cfg.settings.logId, index, signal);
        return undefined;
      },
      async ask(q, signal) {
        const path = q.path ?? index.get(q.hashPart);
        return path === undefined ? miss('not-found', 'not in the index') : inner.ask({ hashPart: q.hashPart, path }, signal);
      },
    };
  },
};

async function buildIndex(client: ReturnType<typeof createTrustixClient>, logId: string, into: Map<string, StorePath>, signal: AbortSignal): Promise<number> {
  const size = (await client.getHead(logId, signal)).treeSize;
  const dec = new TextDecoder();
  for (let start = 0n; start < size; start += CHUNK) {
    const finish = start + CHUNK - 1n < size ? start + CHUNK - 1n : size - 1n;
    for (const leaf of await client.entries(logId, start, finish, signal)) {
      if (leaf.Key === undefined) continue;
      const key = dec.decode(leaf.Key);
      into.set(key.slice(11, 43), key as StorePath);
    }
  }
  return into.size;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * p)]!;
const narHash = (p: string) => `sha256:${encodeNix32(createHash('sha256').update(p).digest())}`;

const { paths, refs } = syntheticPaths(N, 12);
const caches = await Promise.all(['a', 'b'].map((n) => serveSynthetic(`bench-${n}`, paths, refs)));
const signer = signerFromSeed(randomBytes(32).toString('hex'));
const pub = new Publisher(signer);
pub.flush(paths.map((p) => ({ key: new TextEncoder().encode(p), value: encodeValue({ path: p, narHash: narHash(p), narSize: 1000, references: refs.get(p) ?? [] }) })));
const node = await TestNode.start();
node.publish(pub);
for (const p of paths) pub.mapValue(new TextEncoder().encode(p));  // the node's proofs, made once, outside the timings
const registry = new Map([...LOG_KINDS, ['trustix-indexed', register(indexed)]]);
const host = createHostOps({ connections: 32 });

const dirs: string[] = [];
async function engineFor(kind: 'trustix' | 'trustix-indexed') {
  const dir = await mkdtemp(join(tmpdir(), 'bench-trustix-'));
  dirs.push(dir);
  const text = caches.map((c, i) => `[log.c${i}]\nkind = binary-cache\nurl = ${c.url}\nkey = ${c.publicKey}\n`).join('')
    + `[state]\ndir = ${dir}\n[log.tx]\nkind = ${kind}\nurl = ${node.url}\nkey = ${signer.key.base64}\n`;
  const config = parseConfig(text, 'bench.ini', registry);
  const logs = createSources(config.logs, { ops: host, verify: host.verify, timeoutMs: 5000, state: createFileState(dir) }, { ...config.query, global: (f) => f() }, registry);
  return { engine: createEngine({ logs, ops: host }), policy: majority(logs) };
}

const signal = new AbortController().signal;
const walk: Record<string, number[]> = { trustix: [], 'trustix-indexed': [] };
const lookups: Record<string, number[]> = { trustix: [], 'trustix-indexed': [] };
const LOOKUPS = Math.min(N, 500);
for (let round = 0; round < ROUNDS; round++) {
  for (const kind of round % 2 === 0 ? ['trustix', 'trustix-indexed'] as const : ['trustix-indexed', 'trustix'] as const) {
    // check: a fresh run (start step included) walking the whole closure.
    const a = await engineFor(kind);
    const t0 = performance.now();
    const out = await a.engine.decideAll([paths[0]!], { walk: true, signal, policy: a.policy });
    walk[kind]!.push(performance.now() - t0);
    if (out.length !== N || out.some((d) => d.verdict !== 'trusted' || d.agree.length !== 3)) throw new Error(`${kind}: ${out.length} decided, not all by 3 logs`);
    // serve: one hash part at a time, as Nix asks, on a started engine.
    const b = await engineFor(kind);
    await b.engine.collectHashPart(hashPartOf(paths[0]!), signal);
    for (let i = 0; i < LOOKUPS; i++) {
      const t1 = performance.now();
      const ballot = await b.engine.collectHashPart(hashPartOf(paths[(i * 7919) % N]!), signal);
      lookups[kind]!.push(performance.now() - t1);
      if (ballot === undefined || ballot.answers.some((x) => x.outcome !== 'vote')) throw new Error(`${kind}: lookup ${i} did not get 3 votes`);
    }
  }
}

// The index's own cost: reading every leaf of logs of growing size (leaves only; no map behind them).
const indexCost: string[] = [];
for (const size of [N, 20_000, 200_000]) {
  const big = new Publisher(signer);
  for (let i = 0; i < size; i++) {
    const p = parseStorePath(`/nix/store/${encodeNix32(createHash('sha256').update(String(i)).digest()).slice(0, 32)}-leaf-${i}`);
    big.leaves.push({ Key: new TextEncoder().encode(p), ValueDigest: new Uint8Array(32), LeafDigest: new Uint8Array(32) });
  }
  big.heads.push({ ...big.head, treeSize: BigInt(size) });
  const id = node.publish(big);
  const client = createTrustixClient({ ops: host, url: node.url, timeoutMs: 60_000 });
  const t0 = performance.now();
  const n = await buildIndex(client, id, new Map(), signal);
  const ms = performance.now() - t0;
  indexCost.push(`  ${String(size).padStart(7)} leaves: ${ms.toFixed(0).padStart(6)} ms (${(size / ms * 1000).toFixed(0)} leaves/s, ${n} indexed)`);
  node.logs.delete(id);
}

await host.close();
await node.close();
await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
await Promise.all(caches.map((c) => c.close()));
const row = (k: string) => `${median(walk[k]!).toFixed(0).padStart(6)} ms [${walk[k]!.map((t) => t.toFixed(0)).join(', ')}]`;
const lat = (k: string) => `median ${median(lookups[k]!).toFixed(2)} ms, p90 ${pct(lookups[k]!, 0.9).toFixed(2)} ms`;
console.log(`machine: ${cpus()[0]?.model} × ${cpus().length}, node ${process.version}; ${N} paths, 2 binary caches + 1 Trustix log, ${ROUNDS} rounds`);
console.log(`check (walk the closure, fresh start):  learn ${row('trustix')}`);
console.log(`                                        index ${row('trustix-indexed')}`);
console.log(`                                        learn/index per round: ${walk['trustix']!.map((t, i) => (t / walk['trustix-indexed']![i]!).toFixed(2)).join(', ')}`);
console.log(`serve-like lookups by hash part (${LOOKUPS} × ${ROUNDS}): learn ${lat('trustix')}`);
console.log(`                                        index ${lat('trustix-indexed')}`);
console.log('building the index (GetLogEntries in chunks of 10,000):');
console.log(indexCost.join('\n'));
