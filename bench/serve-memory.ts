/**
 * bench/serve-memory: serve's resident memory as it answers more and more distinct
 * narinfos, against 3 loopback caches of synthetic signed narinfos. Prints the curve:
 * VmRSS after each stage, and the peak (VmHWM). Target: RSS < 150 MB at 20,000
 * distinct paths, and flat after that (the cache is bounded by what its entries cost).
 * Figures are printed, never asserted.
 *
 * Run: npm run build && node --import tsx bench/serve-memory.ts [STAGES=20000,40000,80000,160000] [CACHE_SIZE]
 *   POLICY=1   with a policy file (a Lua majority), as most machines have: it runs on a worker thread
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { serveSynthetic, syntheticPaths } from './synthetic.ts';
import { chooseCli, keygen, startServe } from './substitute/serve.ts';
import { readFile } from 'node:fs/promises';

const stages = (process.argv[2] ?? '20000,40000,80000,160000').split(',').map(Number);
const cacheSize = process.argv[3];
const total = Math.max(...stages);
const say = (s: string) => process.stderr.write(`${s}\n`);

const dir = await mkdtemp(join(tmpdir(), 'bench-serve-memory-'));
say(`making ${total} synthetic paths × 3 signed caches…`);
// Many levels: every path has a few references, none has thousands.
const { paths, refs } = syntheticPaths(total + 1, Math.ceil(total / 50));
const caches = await Promise.all(['a', 'b', 'c'].map((n) => serveSynthetic(`mem-${n}`, paths, refs)));
const cli = await chooseCli(say);
const pub = await keygen(cli, 'bench-mem-1', join(dir, 'key.sec'), join(dir, 'key.pub'));
void pub;
const config = join(dir, 'config.ini');
await writeFile(join(dir, 'policy.lua'), 'return function(path, votes, logs) return trustix.majority(votes, logs) end\n');
await writeFile(config, [
  ...caches.map((c, i) => `[log.c${i}]\nkind = binary-cache\nurl = ${c.url}\nkey = ${c.publicKey}\n`),
  ...(process.env['POLICY'] === '1' ? [`[policy]\nfile = ${join(dir, 'policy.lua')}\n`] : []),
  `[serve]\nsigning-key = ${join(dir, 'key.sec')}\n${cacheSize === undefined ? '' : `cache-size = ${cacheSize}\n`}`,
  '[query]\ndeadline = 600\n',
  // The journal as a machine has it (JOURNAL=off leaves it out), in the bench's own directory.
  `[state]\ndir = ${join(dir, 'state')}\njournal = ${process.env['JOURNAL'] ?? 'on'}\n`,
].join('\n'));
const serve = await startServe(cli, config, join(dir, 'serve.log'));
const agent = new Agent({ connections: 16 });
const rss = async (field: 'VmRSS' | 'VmHWM') => {
  const m = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(await readFile(`/proc/${serve.pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
};

console.log(`serve-memory: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}; 3 caches; cache-size ${cacheSize ?? 'default'}; ${process.env['POLICY'] === '1' ? 'a policy file' : 'the default policy'}`);
console.log(`idle: RSS ${(serve.idleRssKb / 1024).toFixed(1)} MB`);
let asked = 0;
for (const stage of stages) {
  const t0 = performance.now();
  let next = asked + 1;
  const worker = async () => {
    while (next <= stage) {
      const p = paths[next++]!;
      const res = await request(`${serve.url}/${p.slice(11, 43)}.narinfo`, { dispatcher: agent });
      await res.body.dump();
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  asked = stage;
  const s = (performance.now() - t0) / 1000;
  console.log(`${String(stage).padStart(7)} distinct narinfos: RSS ${(await rss('VmRSS')).toFixed(1)} MB, peak ${(await rss('VmHWM')).toFixed(1)} MB (${s.toFixed(1)} s for this stage)`);
}
await agent.close();
const stopped = await serve.stop();
console.log(`stopped: exit ${stopped.exitCode}, peak RSS ${(stopped.peakRssKb / 1024).toFixed(1)} MB`);
await Promise.all(caches.map((c) => c.close()));
await rm(dir, { recursive: true, force: true });
