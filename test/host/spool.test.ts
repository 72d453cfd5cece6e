/** The build queue's files: what parses, what is corrupt (each case a reason), what is left alone. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { moveAside, parseSpoolFile, readSpool } from '../../src/host/spool.ts';

const OUT = '/nix/store/7zghlxfsl2n1ww9i3z6jy8vjvbm2hrq5-libfoo';
const DRV = '/nix/store/0hdsbhj0bc4znfgvwvhc7b55f2yphbvc-libfoo.drv';
const good = `trustix-vote-spool 1\ndrv ${DRV}\nout ${OUT}\nend\n`;

describe('parseSpoolFile', () => {
  it('reads what the hook writes', () => {
    assert.deepEqual(parseSpoolFile(good), { drv: DRV, outs: [OUT] });
    assert.deepEqual(parseSpoolFile(`trustix-vote-spool 1\nout ${OUT}\nout ${OUT}2\nend`), { outs: [OUT, `${OUT}2`] });
    assert.deepEqual(parseSpoolFile(`trustix-vote-spool 1\ndrv ${DRV}\nend\n`), { drv: DRV, outs: [] }, 'Nix 2.8.0: OUT_PATHS empty');
  });
  for (const [desc, text, want] of [
    ['empty', '', /does not start/],
    ['another format', good.replace(' 1', ' 2'), /does not start/],
    ['cut short', good.replace('end\n', ''), /cut short/],
    ['neither output nor derivation', 'trustix-vote-spool 1\nend\n', /neither an output path nor a derivation/],
    ['not a store path', `trustix-vote-spool 1\nout /tmp/x\nend\n`, /line 2/],
    ['an unknown field', `trustix-vote-spool 1\nout ${OUT}\nfoo ${OUT}\nend\n`, /line 3: unexpected/],
    ['binary junk', '\u0000\u0001\u0002', /does not start/],
  ] as const) {
    it(`refuses ${desc}`, () => {
      const r = parseSpoolFile(text);
      assert.equal(typeof r, 'string');
      assert.match(r as string, want);
    });
  }
});

describe('readSpool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tv-spool-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  it('lists builds oldest first, sets corrupt and stale files apart, leaves fresh temp files alone', async () => {
    writeFileSync(join(dir, 'b-1-0.build'), good);
    writeFileSync(join(dir, 'a-1-0.build'), good);
    utimesSync(join(dir, 'a-1-0.build'), 1000, 1000);
    writeFileSync(join(dir, 'bad-1-0.build'), 'garbage');
    writeFileSync(join(dir, 'stray.txt'), good);
    writeFileSync(join(dir, '.tmp-1'), 'trustix-vote-spool 1\n');
    writeFileSync(join(dir, '.tmp-2'), 'trustix-vote-spool 1\n');
    utimesSync(join(dir, '.tmp-2'), 1000, 1000);
    const r = await readSpool(dir, Date.now());
    assert.deepEqual(r.entries.map((e) => e.name), ['a-1-0.build', 'b-1-0.build']);
    assert.equal(r.entries[0]!.queued, 1_000_000);
    assert.deepEqual(r.corrupt.map((c) => c.name).sort(), ['.tmp-2', 'bad-1-0.build', 'stray.txt']);
    for (const c of r.corrupt) await moveAside(dir, c.name, c.reason);
    assert.deepEqual(readdirSync(dir).sort(), ['.tmp-1', 'a-1-0.build', 'b-1-0.build', 'corrupt']);
    assert.match(readFileSync(join(dir, 'corrupt', 'bad-1-0.build.why'), 'utf8'), /does not start/);
    const again = await readSpool(dir, Date.now());
    assert.equal(again.corrupt.length, 0, 'moved aside once, never again');
  });
  it('an absent queue is empty', async () => {
    assert.deepEqual(await readSpool(join(dir, 'none'), 0), { entries: [], corrupt: [], more: 0 });
  });
  it('reads at most max files a run and counts the rest', async () => {
    const d = join(dir, 'many');
    mkdirSync(d);
    for (let i = 0; i < 5; i++) writeFileSync(join(d, `x-${i}-0.build`), good);
    const r = await readSpool(d, Date.now(), 3);
    assert.deepEqual([r.entries.length, r.more], [3, 2]);
  });
});
