// SIGKILL of `log submit` during a stream of submissions (bounded: 5 kills), with
// `log serve` serving the same state directory and a reader checking heads as they
// come. Afterwards: every path a killed submit acknowledged is in the log with its
// proofs, every head the reader saw is consistent with the final one, and `log
// verify` finds the whole log sound.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StorePath } from '../../src/nixfmt/index.ts';
import { parseLogKey } from '../../src/trustix/index.ts';
import type { VerifiedHead } from '../../src/trustix/index.ts';
import { LogClient, fetchPost } from '../logserver/client.ts';
import { hasNix } from './fixture.ts';
import { fields, forgetStorePaths, logCli, makeStorePaths, startLogServe, submitProcess } from './log-harness.ts';
import type { LogServe } from './log-harness.ts';

const skip = hasNix() ? false : 'nix is not installed';

/** Feeds `paths` to a `log submit --stdin`, kills it with SIGKILL `ms` after its first acknowledgement; the paths it acknowledged. */
async function submitAndKill(state: string, paths: readonly StorePath[], ms: number): Promise<{ acked: Set<string>; killed: boolean }> {
  const child = submitProcess(['--state', state, '--stdin', '--batch', '4']);
  const acked = new Set<string>();
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) if (/^(added|present) /.test(l)) acked.add(l.split(' ')[1]!);
  });
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(`${paths.join('\n')}\n`);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  while (acked.size === 0 && child.exitCode === null) await sleep(10);
  await Promise.race([sleep(ms), exited]);
  const killed = child.exitCode === null;
  child.kill('SIGKILL');
  await exited;
  return { acked, killed };
}

describe('log submit killed with SIGKILL mid-stream while log serve serves', { skip, timeout: 600_000 }, () => {
  let dir: string;
  let state: string;
  let serve: LogServe;
  let client: LogClient;
  let paths: StorePath[];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tv-log-crash-'));
    state = join(dir, 'state');
    paths = (await makeStorePaths(dir, 200)).files;
    const init = fields((await logCli(['init', '--state', state])).stdout);
    serve = await startLogServe(state);
    client = new LogClient(fetchPost(serve.url), init['log-id']!, parseLogKey((await readFile(join(state, 'log.pub'), 'utf8')).trim()), 'proto');
  });
  after(async () => {
    await serve?.stop();
    await forgetStorePaths();
    await rm(dir, { recursive: true, force: true });
  });

  it('loses no acknowledged path, leaves no head without its data, and serves proofs for all of it', async () => {
    const acked = new Set<string>();
    const seen: VerifiedHead[] = [await client.head()];
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const h = await client.head();
        if (h.treeSize > seen.at(-1)!.treeSize) {
          await client.consistent(seen.at(-1)!, h);
          seen.push(h);
        }
        await sleep(25);
      }
    })();
    let kills = 0;
    for (let round = 0; round < 5; round++) {
      const todo = [...paths.filter((p) => !acked.has(p)), ...[...acked].slice(0, 5) as StorePath[]];
      const r = await submitAndKill(state, todo, 100 + Math.floor(Math.random() * 900));
      if (r.killed) kills += 1;
      for (const p of r.acked) acked.add(p);
      const head = await client.head();
      assert.ok(head.treeSize >= BigInt(acked.size), `round ${round}: ${acked.size} acknowledged, TreeSize ${head.treeSize}`);
    }
    reading = false;
    await reader;
    assert.ok(kills >= 3, `only ${kills} of 5 submits were still running when killed`);
    const rest = paths.filter((p) => !acked.has(p));
    const finish = await logCli(['submit', '--state', state, ...rest, ...paths.slice(0, 3)]);
    assert.equal(finish.exitCode, 0, finish.stderr);
    const last = await client.head();
    assert.equal(last.treeSize, BigInt(paths.length), 'every path exactly once');
    for (const h of seen) await client.consistent(h, last);
    for (const p of acked) assert.ok((await client.lookup(last, p as StorePath)) !== undefined, `${p} was acknowledged`);
    for (const h of seen.slice(-3)) {
      const n = Number(h.treeSize);
      for (const p of paths.slice(0, 4)) {
        const got = await client.lookup(h, p, { bindToLog: n > 0 });
        assert.ok(got === undefined || got.index < BigInt(n));
      }
    }
    const verify = await logCli(['verify', '--state', state]);
    assert.equal(verify.exitCode, 0, verify.stderr);
    assert.match(verify.stdout, new RegExp(`^ok: ${paths.length} entries`));
  });
});
