/**
 * serve's lean heap survives a Worker starting. A new Worker puts V8's flags back as the
 * command line had them; in the second before the governor's next tick, serve's young
 * generation grew to 16 MB and stayed there. check's heap turns lean once its closure is
 * large. Each run is its own process: V8's flags are process-wide, and the unit tests
 * share one.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

const MEMORY = new URL('../../src/host/memory.ts', import.meta.url).href;

/** The young generation's size in MB after a Worker starts and the heap churns. */
function youngAfterWorker(governed: boolean): number {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { Worker } from 'node:worker_threads';
    import { governMemory, leanHeap, LEAN_HEAP_FLAGS } from ${JSON.stringify(MEMORY)};
    const g = ${governed} ? governMemory({ budgetBytes: 1e12, everyMs: 60_000, heapFlags: LEAN_HEAP_FLAGS }) : undefined;
    if (!${governed}) leanHeap();
    const w = new Worker('setTimeout(() => {}, 10_000)', { eval: true });
    await new Promise((r) => w.once('online', r));
    await new Promise((r) => setImmediate(r));
    let keep = [];
    for (let i = 0; i < 3e6; i++) { keep.push({ i }); if (keep.length > 200_000) keep = []; }
    process.stdout.write(String(getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576));
    g?.stop();
    await w.terminate();
  `;
  return Number(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' }));
}

describe('governMemory', () => {
  it('keeps the young generation small after a Worker starts; lean flags alone do not', () => {
    const ungoverned = youngAfterWorker(false);
    assert.ok(ungoverned >= 8, `without the governor V8 grows it (${ungoverned} MB): otherwise this test proves nothing`);
    const governed = youngAfterWorker(true);
    assert.ok(governed <= 4, `young generation ${governed} MB`);
  });
});

/**
 * The old generation's largest size in MB while 10 MB stay live and garbage outlives the
 * young generation, after `done` of leanPast(5000)'s decisions.
 */
function oldGenerationAfter(done: number): number {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { leanPast } from ${JSON.stringify(MEMORY)};
    const heap = leanPast(5000);
    heap.decided(${done});
    const old = () => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_size;
    const live = (globalThis.live = []);
    for (let i = 0; i < 100_000; i++) live.push({ i, s: 'x'.repeat(20) + i });
    let peak = 0;
    let junk = [];
    for (let r = 0; r < 1.5e6; r++) {
      junk.push({ r, a: [r, r + 1] });
      if (junk.length > 50_000) junk = [];
      if (r % 5000 === 0) peak = Math.max(peak, old());
    }
    heap.stop();
    process.stdout.write(String(peak / 1048576));
  `;
  return Number(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' }));
}

describe('leanPast', () => {
  it('keeps V8\'s heap growth below its threshold and a lean old generation past it', () => {
    const below = oldGenerationAfter(4999);
    const past = oldGenerationAfter(5000);
    assert.ok(past < 0.8 * below, `old generation ${past.toFixed(0)} MB past the threshold, ${below.toFixed(0)} MB below it`);
  });
});
