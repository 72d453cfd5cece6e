/**
 * The protobuf wire format's two primitives: base-128 varints (7 bits a byte,
 * least significant group first, high bit = more follows; at most 10 bytes for
 * 64 bits) and length-delimited runs. Example: 300 → ac 02.
 *
 * Reader never reads past its buffer and never allocates more than the input
 * holds: every failure is a `malformed` error naming the message being read.
 */

import { malformed } from './errors.ts';

export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const I32 = 5;

export function varint(out: number[], v: bigint): void {
  let x = v;
  while (x > 0x7fn) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
}

export class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array, readonly what: string) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    // Up to 4 bytes (28 bits) in a plain number: tags, lengths and most sizes.
    let small = 0;
    for (let i = 0; i < 4; i++) {
      const b = this.buf[this.pos + i];
      if (b === undefined) break; // the slow path below reports the truncation
      small += (b & 0x7f) * 2 ** (7 * i);
      if (b < 0x80) {
        this.pos += i + 1;
        return BigInt(small);
      }
    }
    let v = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw malformed(`${this.what}: truncated varint`);
      if (i === 9 && b > 1) throw malformed(`${this.what}: varint overflows 64 bits`);
      v |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (b < 0x80) return v;
    }
    throw malformed(`${this.what}: varint longer than 10 bytes`);
  }

  /** The next `n` bytes: a view into the input, not a copy (decoded messages share the input's bytes). */
  take(n: bigint): Uint8Array {
    if (n > BigInt(this.buf.length - this.pos)) throw malformed(`${this.what}: length ${n} runs past the end`);
    const out = this.buf.subarray(this.pos, this.pos + Number(n));
    this.pos += Number(n);
    return out;
  }

  skip(wireType: number): void {
    if (wireType === VARINT) this.varint();
    else if (wireType === I64) this.take(8n);
    else if (wireType === LEN) this.take(this.varint());
    else if (wireType === I32) this.take(4n);
    else throw malformed(`${this.what}: unsupported wire type ${wireType}`);
  }
}
