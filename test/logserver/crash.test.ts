// SIGKILL during writes: a writer process appending as fast as it can is killed at a
// random moment, five times over, while a reader keeps reading. Every batch it was told
// was committed must be there, no head may be left without its data (or data without
// its head), and the whole log must still check out (log verify's audit).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { auditLog } from '../../src/logserver/audit.ts';
import { openLogDb } from '../../src/logserver/store.ts';
import { newLog, tempDir } from './fixture.ts';

const tmp = tempDir('tv-crash-');
after(() => tmp.remove());
const CHILD = new URL('./writer-child.ts', import.meta.url).pathname;

interface Ack { readonly batch: string; readonly first: number; readonly count: number }

async function killWriterAfter(file: string, prefix: string, ms: number): Promise<Ack[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file, prefix], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acks: Ack[] = [];
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) {
      const [, batch = '', first = '', count = ''] = l.split(' ');
      acks.push({ batch, first: Number(first), count: Number(count) });
    }
  });
  // Wait until it commits at all (tsx takes a while to start), then let it run a random while.
  while (acks.length === 0 && child.exitCode === null) await sleep(20);
  await sleep(ms);
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  return acks;
}

test('SIGKILL of a writer mid-stream: every acknowledged batch is there, and the log checks out', { timeout: 240_000 }, async () => {
  const file = `${tmp.dir}/log.db`;
  newLog(file).db.close();
  const acked: Ack[] = [];
  for (let round = 0; round < 5; round++) {
    const acks = await killWriterAfter(file, `r${round}`, 50 + Math.floor(Math.random() * 400));
    assert.ok(acks.length > 0, `round ${round} committed something`);
    acked.push(...acks);
    const db = openLogDb(file);
    const head = db.latestHead();
    const last = acks.at(-1)!;
    assert.ok(head.treeSize >= BigInt(last.first + last.count), `round ${round}: acknowledged entries ${last.first + last.count} > TreeSize ${head.treeSize}`);
    db.close();
  }
  const db = openLogDb(file);
  const report = await auditLog(db);
  assert.deepEqual(report.problems, []);
  const entries = db.entries();
  for (const a of acked) {
    for (let i = a.first; i < a.first + a.count; i++) assert.match(new TextDecoder().decode(entries[i]!.key), new RegExp(`-crash-${a.batch}-${i - a.first}$`));
  }
  db.close();
});
