/** A NAR checked as it passes: FileSize, FileHash and a floor on the rate; the last chunk held until it checks out. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { checkedNar, NarCheckError } from '../../src/server/nar-stream.ts';
import { encodeNix32 } from '../../src/nixfmt/index.ts';

const file = Buffer.from('a NAR file, compressed or not');
const fileHash = `sha256:${encodeNix32(createHash('sha256').update(file).digest())}`;
async function* chunks(parts: Uint8Array[]) {
  for (const p of parts) yield p;
}
const split = (b: Buffer) => [b.subarray(0, 10), b.subarray(10, 20), b.subarray(20)];

async function drain(body: AsyncIterable<Uint8Array>): Promise<{ got: Buffer; error?: Error }> {
  const got: Uint8Array[] = [];
  try {
    for await (const c of body) got.push(c);
  } catch (e) {
    return { got: Buffer.concat(got), error: e as Error };
  }
  return { got: Buffer.concat(got) };
}

const want = (over: object = {}) => ({ fileHash, fileSize: file.length, minRate: 1024, graceMs: 5000, now: () => 0, ...over });

describe('checkedNar', () => {
  it('passes a file that matches its FileHash and FileSize', async () => {
    const r = await drain(checkedNar(chunks(split(file)), want()));
    assert.equal(r.error, undefined);
    assert.deepEqual(r.got, file);
  });

  it('never sends more than FileSize, and never the last chunk of a file that fails', async () => {
    const longer = await drain(checkedNar(chunks(split(Buffer.concat([file, Buffer.from('!')]))), want()));
    assert.ok(longer.error instanceof NarCheckError);
    assert.match(longer.error.message, /more than its FileSize of 29 bytes/);
    assert.ok(longer.got.length <= 20);
    const flipped = Buffer.from(file);
    flipped[3] = flipped[3]! ^ 1;
    const wrong = await drain(checkedNar(chunks(split(flipped)), want()));
    assert.match(wrong.error?.message ?? '', /hash is not its FileHash/);
    assert.equal(wrong.got.length, 20, 'the last chunk was held back');
    const shorter = await drain(checkedNar(chunks(split(file.subarray(0, 25))), want()));
    assert.match(shorter.error?.message ?? '', /sent 25 bytes where its FileSize says 29/);
  });

  it('cuts a drip once the grace time has passed', async () => {
    let t = 0;
    const drip = (async function* () {
      for (let i = 0; i < 29; i++) {
        t += 1000;
        yield file.subarray(i, i + 1);
      }
    })();
    const r = await drain(checkedNar(drip, want({ now: () => t })));
    assert.match(r.error?.message ?? '', /under the 1024 bytes\/s a NAR needs/);
    assert.ok(r.got.length < 10);
  });

  it('passes what it cannot check when the narinfo gave no FileHash or FileSize', async () => {
    const r = await drain(checkedNar(chunks(split(file)), { minRate: 1, graceMs: 1000, now: () => 0 }));
    assert.deepEqual(r.got, file);
  });
});
