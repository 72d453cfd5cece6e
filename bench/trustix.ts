/**
 * bench/trustix: our own Trustix log (trustix-vote log).
 *
 *   submissions  synthetic Nix entries appended in batches of 100, each batch one
 *                transaction with its signed head, fsync'd (synchronous=FULL), until the
 *                log holds ENTRIES; paths/s per 10,000. Target ≥ 2,000 paths/s.
 *   lookups      `log serve` (compiled, its own process) over that log, and a reader in
 *                this process (one thread, so one core) on HTTP keep-alive with binary
 *                protobuf, checking every proof with src/merkle and src/trustix:
 *                  map   GetMapValue + GetValue: the map proof against the verified head,
 *                        the value's digest and path (SPEC §8 steps 4 and 6)
 *                  full  also GetLogEntries + GetLogAuditProof: the entry bound to its leaf
 *                        and the leaf included in the signed LogRoot (step 5)
 *                  kind  map proof + value through the product's `kind = trustix` source
 *                        (src/logs/trustix) on serve's HTTP client (src/host/ops.ts): what
 *                        serve and check do per path, the claim with its evidence included
 *                Target ≥ 5,000 verified lookups/s.
 *
 *   in process   the same lookups with the node's handler called directly (no HTTP): what
 *                the proofs, codecs and checks cost on their own, both sides on one thread.
 *
 * Run: npm run build && node --import tsx bench/trustix.ts [entries=100000] [rounds=5] [seconds=4] [inflight=32]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sha256, toHex } from '../src/merkle/index.ts';
import { encodeNix32 } from '../src/nixfmt/index.ts';
import type { StorePath } from '../src/nixfmt/index.ts';
import { NIX_PROTOCOL, deriveLogId, encodeValue } from '../src/trustix/index.ts';
import { createLogHandler } from '../src/logserver/handler.ts';
import { appendItems, openLog, writeFirstHead } from '../src/logserver/log.ts';
import { logReader } from '../src/logserver/service.ts';
import { newLogKeyFiles, parseLogSecret } from '../src/logserver/state.ts';
import { createLogDb } from '../src/logserver/store.ts';
import { LogClient, poolPost } from '../test/logserver/client.ts';
import { createHostOps } from '../src/host/ops.ts';
import { createFileState } from '../src/host/state.ts';
import { trustixLog } from '../src/logs/trustix/kind.ts';
import { parseHashPart } from '../src/nixfmt/index.ts';
import { median } from './stats.ts';

const ENTRIES = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const SECONDS = Number(process.argv[4] ?? 4);
const INFLIGHT = Number(process.argv[5] ?? 32);
const BATCH = 100;

const fmt = (xs: readonly number[]): string => `min ${Math.round(Math.min(...xs))}, median ${Math.round(median(xs))}, max ${Math.round(Math.max(...xs))}  [${xs.map(Math.round).join(', ')}]`;
const enc = new TextEncoder();

/** A plausible store path and its Trustix value (3 references). */
function entry(i: number): { path: StorePath; key: Uint8Array; value: Uint8Array } {
  const hashPart = (n: number): string => toHex(sha256(enc.encode(`bench ${n}`))).slice(0, 32).replace(/[eotu]/g, 'a');
  const path = `/nix/store/${hashPart(i)}-package-${i}` as StorePath;
  const references = [1, 2, 3].map((d) => `/nix/store/${hashPart(Math.max(0, i - d * 7))}-package-${Math.max(0, i - d * 7)}`);
  const narHash = `sha256:${encodeNix32(sha256(enc.encode(`nar ${i}`)))}`;
  return { path, key: enc.encode(path), value: encodeValue({ path, narHash, narSize: 1000 + i, references }) };
}

const dir = await mkdtemp(join(tmpdir(), 'bench-trustix-'));
const keyFiles = newLogKeyFiles();
const secret = parseLogSecret(keyFiles.secret, 'bench key');
const file = join(dir, 'log.db');
createLogDb(file, NIX_PROTOCOL, secret.key, (db) => writeFirstHead(db, secret.sign));
const { writeFile, chmod } = await import('node:fs/promises');
await writeFile(join(dir, 'log.key'), keyFiles.secret);
await chmod(join(dir, 'log.key'), 0o600);
await writeFile(join(dir, 'log.pub'), keyFiles.public);

console.log(`machine: ${cpus()[0]?.model} × ${cpus().length}, node ${process.version}, load ${(await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')}`);

// ---- submissions ----
const log = openLog(file);
const rates: number[] = [];
const cpuPerPath: number[] = [];
const per = 10_000;
for (let start = 0; start < ENTRIES; start += per) {
  const items = Array.from({ length: Math.min(per, ENTRIES - start) }, (_, i) => entry(start + i));
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let b = 0; b < items.length; b += BATCH) {
    const r = appendItems(log, items.slice(b, b + BATCH), secret.sign);
    if (r.outcomes.some((o) => o.kind !== 'added')) throw new Error('bench entries must all be new');
  }
  rates.push(items.length / ((performance.now() - t0) / 1000));
  const cu = process.cpuUsage(c0);
  cpuPerPath.push((cu.user + cu.system) / items.length);
  console.log(`submit: entries ${start}..${start + items.length}: ${Math.round(rates.at(-1)!)} paths/s, ${Math.round(cpuPerPath.at(-1)!)} µs CPU per path`);
}
console.log(`submissions, batches of ${BATCH}, fsync'd, per ${per} (log growing to ${ENTRIES}): ${fmt(rates)} paths/s (target ≥ 2,000); CPU per path ${fmt(cpuPerPath)} µs`);
log.db.close();

// ---- lookups ----
const main = new URL('../dist/cli/main.js', import.meta.url).pathname;
const server = spawn(process.execPath, [main, 'log', 'serve', '--state', dir, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
// A bench that fails half way must not leave its server running.
process.on('exit', () => server.kill('SIGKILL'));
const url = await new Promise<string>((resolve, reject) => {
  let err = '';
  server.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    const m = /listening on (http:\/\/[\d.:]+)/.exec(err);
    if (m?.[1]) resolve(m[1]);
  });
  server.once('exit', (code) => reject(new Error(`log serve exited ${code}: ${err} (run npm run build first)`)));
});
const serverCpu = async (): Promise<number> => {
  const f = (await readFile(`/proc/${server.pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // clock ticks (100/s) → ms
};

const post = poolPost(url, 8);
const client = new LogClient(post, deriveLogId(NIX_PROTOCOL, secret.key), secret.key, 'proto');
const head = await client.head();
if (head.treeSize !== BigInt(ENTRIES)) throw new Error(`serve says TreeSize ${head.treeSize}`);

// The product's reader, as serve builds it: its HTTP client (undici, 8 connections), its
// head keeper (the head fetched, verified and kept in a state directory once), its lookup.
const hostOps = createHostOps({ connections: 8 });
const kindSource = trustixLog.create(
  { name: 'bench', kind: 'trustix', weight: 1, identity: secret.key.raw, settings: { url, key: secret.key, logId: client.logId as never } },
  { ops: hostOps, timeoutMs: 30_000, verify: hostOps.verify, state: createFileState(join(dir, 'reader-state')) },
);
const never = new AbortController().signal;
await kindSource.start?.(never);

async function run(mode: 'map' | 'full' | 'kind', seconds: number): Promise<{ rate: number; clientCpu: number; serverCpu: number }> {
  let done = 0;
  let stop = false;
  let next = Math.floor(Math.random() * ENTRIES);
  const worker = async (): Promise<void> => {
    while (!stop) {
      const n = (next = (next + 7919) % ENTRIES);
      const e = entry(n);
      if (mode === 'kind') {
        const a = await kindSource.ask({ hashPart: parseHashPart(e.path.slice(11, 43)), path: e.path }, never);
        if (a.outcome !== 'vote' || a.claim.narSize !== 1000 + n) throw new Error(`lookup of entry ${n} gave ${JSON.stringify(a)}`);
      } else {
        const got = await client.lookup(head, e.path, { bindToLog: mode === 'full' });
        if (got === undefined || got.index !== BigInt(n)) throw new Error(`lookup of entry ${n} gave ${got?.index}`);
      }
      done += 1;
    }
  };
  const c0 = process.cpuUsage();
  const s0 = await serverCpu();
  const t0 = performance.now();
  const workers = Array.from({ length: INFLIGHT }, worker);
  await sleep(seconds * 1000);
  stop = true;
  await Promise.all(workers);
  const wall = performance.now() - t0;
  const cu = process.cpuUsage(c0);
  return { rate: done / (wall / 1000), clientCpu: (cu.user + cu.system) / 1000 / wall, serverCpu: ((await serverCpu()) - s0) / wall };
}

await run('map', 2); // warm-up: JIT on both sides
await run('kind', 2);
for (const mode of ['map', 'kind', 'full'] as const) {
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) rounds.push(await run(mode, SECONDS));
  const rps = rounds.map((r) => r.rate);
  const what = { map: 'map proof + value', kind: 'kind = trustix, map proof + value', full: 'map proof + leaf + audit proof + value' }[mode];
  console.log(`lookups (${mode}: ${what}, ${INFLIGHT} in flight, ${ENTRIES} entries): ${fmt(rps)} verified/s`
    + ` (target ≥ 5,000); client CPU ${rounds.map((r) => (r.clientCpu * 100).toFixed(0)).join('/')} %, server CPU ${rounds.map((r) => (r.serverCpu * 100).toFixed(0)).join('/')} %`);
}
await post.close();
await hostOps.close();
server.kill('SIGTERM');
await new Promise((resolve) => server.once('exit', resolve));

// ---- the same lookups without HTTP ----
const inProcess = openLog(file, { history: 64 });
const handler = createLogHandler({ reader: logReader(inProcess) });
const direct = new LogClient(async (path, body, headers) => {
  const res = handler({ method: 'POST', path, body, header: (n) => headers[n] });
  return { status: res.status, body: typeof res.body === 'string' ? enc.encode(res.body) : res.body };
}, client.logId, secret.key, 'proto');
for (const mode of ['map', 'full'] as const) {
  const rps: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    let done = 0;
    for (let n = r * 7; performance.now() - t0 < SECONDS * 1000; n = (n + 7919) % ENTRIES) {
      const got = await direct.lookup(head, entry(n).path, { bindToLog: mode === 'full' });
      if (got?.index !== BigInt(n)) throw new Error(`lookup of entry ${n} gave ${got?.index}`);
      done += 1;
    }
    rps.push(done / ((performance.now() - t0) / 1000));
  }
  console.log(`lookups in process, no HTTP (${mode}, handler and checks on one thread, entry generation included): ${fmt(rps)} verified/s`);
}
inProcess.db.close();
await rm(dir, { recursive: true, force: true });
