/**
 * A NAR passed through from an upstream, checked as it goes against what that
 * upstream's narinfo said of the file: never more bytes than its FileSize, the
 * FileHash over all of them, and a floor on the rate (a drip that keeps sending a
 * byte now and then gets past a per-chunk timeout, not past this). The last chunk is
 * held back until the whole file checked out, so a client never receives a complete
 * file that failed; a failure ends the stream with a NarCheckError instead.
 *
 *   upstream narinfo: FileHash: sha256:1xza…  FileSize: 192
 *   → yields the bytes; throws after byte 193, or at the end when sha256 ≠ 1xza…
 */
import { createHash } from 'node:crypto';
import { parseHash } from '../nixfmt/index.ts';

export class NarCheckError extends Error {
  readonly code = 'NAR_CHECK';
}

export interface NarExpectation {
  readonly fileHash?: string;
  readonly fileSize?: number;
  /** Bytes per second the upstream must average once `graceMs` have passed. */
  readonly minRate: number;
  readonly graceMs: number;
  readonly now: () => number;
}

export async function* checkedNar(body: AsyncIterable<Uint8Array>, want: NarExpectation): AsyncGenerator<Uint8Array> {
  const expected = want.fileHash === undefined ? undefined : expectedDigest(want.fileHash);
  const hash = expected === undefined ? undefined : createHash(expected.algo);
  const t0 = want.now();
  let size = 0;
  let held: Uint8Array | undefined;
  for await (const chunk of body) {
    size += chunk.length;
    if (want.fileSize !== undefined && size > want.fileSize) throw new NarCheckError(`sent more than its FileSize of ${want.fileSize} bytes`);
    const elapsed = want.now() - t0;
    if (elapsed > want.graceMs && (size * 1000) / elapsed < want.minRate) {
      throw new NarCheckError(`sends ${Math.round((size * 1000) / elapsed)} bytes/s, under the ${want.minRate} bytes/s a NAR needs`);
    }
    hash?.update(chunk);
    if (held !== undefined) yield held;
    held = chunk;
  }
  if (want.fileSize !== undefined && size !== want.fileSize) throw new NarCheckError(`sent ${size} bytes where its FileSize says ${want.fileSize}`);
  if (hash !== undefined && expected !== undefined && !hash.digest().equals(expected.bytes)) throw new NarCheckError('sent a file whose hash is not its FileHash');
  if (held !== undefined) yield held;
}

function expectedDigest(fileHash: string): { algo: string; bytes: Buffer } | undefined {
  try {
    const h = parseHash(fileHash);
    return h.algo === 'sha256' || h.algo === 'sha512' || h.algo === 'sha1' ? { algo: h.algo, bytes: Buffer.from(h.bytes) } : undefined;
  } catch {
    return undefined;
  }
}
