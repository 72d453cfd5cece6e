/**
 * Every unit test file (test/*.test.ts and test/<folder>/*.test.ts but integration/) in
 * this one process. A process per file cost each of them tsx's start-up, and loading
 * src/ again: with 60 files that was 46 s of CPU and 53 s of wall time on two cores,
 * against 7 s and 17 s here. The tests of integration/ start processes and Nix, and
 * keep a process per file. Tests report their own file (Node takes it from the call
 * site), and a file that does not even load is one failing test named after it, while
 * the others still run.
 */
import { readdirSync } from 'node:fs';
import { test } from 'node:test';

const root = new URL('./', import.meta.url);
const files = readdirSync(root).filter((f) => f.endsWith('.test.ts'));
for (const d of readdirSync(root, { withFileTypes: true })) {
  if (!d.isDirectory() || d.name === 'integration') continue;
  for (const f of readdirSync(new URL(`${d.name}/`, root))) if (f.endsWith('.test.ts')) files.push(`${d.name}/${f}`);
}

for (const f of files.sort()) {
  try {
    await import(new URL(f, root).href);
  } catch (e) {
    test(`test/${f} loads`, () => {
      throw e;
    });
  }
}
