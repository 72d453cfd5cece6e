/**
 * Binary protobuf (the Connect "proto" codec) for any schema of wire-schema.ts.
 *
 * Standard wire format: each field is a varint tag (field number << 3 | wire
 * type) and a payload: a varint (uint64, int32, enum) or a length-prefixed run
 * (bytes, string, message, map entry). Example, LogHeadRequest{LogID: "ab"}:
 *
 *   0a 02 61 62        field 1, length-delimited, 2 bytes "ab"
 *
 * Writing follows Go's deterministic marshal: fields in number order, proto2
 * required scalars even when zero, map entries sorted by key with both key and
 * value written. Reading skips unknown fields and refuses, as `malformed`:
 * truncated input, over-long varints, wire-type mismatches, groups, invalid
 * UTF-8, out-of-range int32/enum values, a missing required field, and (unlike
 * Go, which keeps the last) a non-repeated field or map key given twice, so
 * that no two readers can see different messages in the same bytes.
 */

import { malformed } from './errors.ts';
import { LEN, Reader, VARINT, varint } from './wire-bytes.ts';
import { fieldList } from './wire-schema.ts';
import type { Field, Fields, Kind, Label, MessageOf, MessageType } from './wire-schema.ts';

const MAX_UINT64 = (1n << 64n) - 1n;
const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

type Obj = Record<string, unknown>;

// ---- writing ----

/**
 * Bytes written into one buffer that grows by doubling (not one JS array slot per
 * byte). A nested message is written in place behind room for its length, then the
 * length is filled in (shifting the payload when it needs more than one byte).
 */
class Writer {
  buf: Uint8Array;
  len = 0;

  constructor(size = 64) {
    this.buf = new Uint8Array(size);
  }

  /** Starts a new message in the same buffer. */
  reset(): void {
    this.len = 0;
  }

  room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.buf.subarray(0, this.len));
    this.buf = bigger;
  }

  uint(x: number): void {
    this.room(5);
    while (x > 0x7f) {
      this.buf[this.len++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.buf[this.len++] = x;
  }

  varint(v: bigint): void {
    if (v <= 0x7fffffffn) return this.uint(Number(v));
    const out: number[] = [];
    varint(out, v);
    this.room(out.length);
    for (const b of out) this.buf[this.len++] = b;
  }

  lengthDelimited(no: number, payload: Uint8Array): void {
    this.uint((no << 3) | LEN);
    this.uint(payload.length);
    this.room(payload.length);
    this.buf.set(payload, this.len);
    this.len += payload.length;
  }

  /** Field `no` holding whatever `write` writes, length-prefixed. */
  nested(no: number, write: () => void): void {
    this.uint((no << 3) | LEN);
    this.room(1);
    const at = this.len++;
    write();
    const n = this.len - at - 1;
    const size = n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
    if (size > 1) {
      this.room(size - 1);
      this.buf.copyWithin(at + size, at + 1, this.len);
      this.len += size - 1;
    }
    let x = n;
    for (let i = 0; i < size; i++, x >>>= 7) this.buf[at + i] = (x & 0x7f) | (i < size - 1 ? 0x80 : 0);
  }

  done(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function writeValue(out: Writer, no: number, kind: Kind, v: unknown, where: () => string): void {
  switch (kind.t) {
    case 'bytes': return out.lengthDelimited(no, v as Uint8Array);
    case 'string': return out.lengthDelimited(no, utf8.encode(v as string));
    case 'message': return out.nested(no, () => writeFields(out, kind.type, v as Obj));
    case 'map': {
      for (const [k, val] of Object.entries(v as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        out.nested(no, () => {
          out.lengthDelimited(1, utf8.encode(k));
          out.lengthDelimited(2, utf8.encode(val));
        });
      }
      return;
    }
    case 'uint64': {
      const n = v as bigint;
      if (n < 0n || n > MAX_UINT64) throw malformed(`${where()}: ${n} is not a uint64`);
      out.uint(no << 3);
      return out.varint(n);
    }
    case 'int32':
      out.uint(no << 3);
      return out.varint(BigInt.asUintN(64, BigInt(v as number)));
    case 'enum': {
      const i = kind.names.indexOf(v as string);
      if (i < 0) throw malformed(`${where()}: unknown enum value ${JSON.stringify(v)}`);
      out.uint(no << 3);
      return out.uint(i);
    }
  }
}

function writeFields(out: Writer, type: MessageType<Fields>, msg: Obj): void {
  for (const [name, f] of fieldList(type)) {
    const v = msg[name];
    if (v === undefined) {
      if (f.label === 'required') throw malformed(`${type.name}: required field ${name} not set`);
      continue;
    }
    const where = (): string => `${type.name}.${name}`;
    if (f.label === 'repeated') for (const x of v as unknown[]) writeValue(out, f.no, f.kind, x, where);
    else writeValue(out, f.no, f.kind, v, where);
  }
}

/**
 * One buffer for every message: encoding never calls out, so it is never re-entered.
 * A fresh one per message cost more than the encoding (allocated and grown from 256
 * bytes each time); one that grew past KEEP_BYTES is dropped again after use.
 */
const shared = new Writer(4096);
const KEEP_BYTES = 64 * 1024;
let sharedBusy = false;

/** Encodes `msg`; a missing required field is refused, as Go's proto.Marshal does. */
export function encodeBinary<F extends Fields>(type: MessageType<F>, msg: MessageOf<F>): Uint8Array {
  const out = sharedBusy ? new Writer(256) : shared;
  sharedBusy = true;
  try {
    out.reset();
    writeFields(out, type as MessageType<Fields>, msg as Obj);
    return out.done();
  } finally {
    if (out === shared) {
      sharedBusy = false;
      if (shared.buf.length > KEEP_BYTES) shared.buf = new Uint8Array(4096);
    }
  }
}

// ---- reading ----

function text(bytes: Uint8Array, where: string): string {
  try {
    return utf8Strict.decode(bytes);
  } catch (cause) {
    throw malformed(`${where}: not UTF-8`, cause);
  }
}

function readValue(r: Reader, kind: Kind, wireType: number, where: string): unknown {
  const want = kind.t === 'uint64' || kind.t === 'int32' || kind.t === 'enum' ? VARINT : LEN;
  if (wireType !== want) throw malformed(`${where}: wire type ${wireType}, want ${want}`);
  switch (kind.t) {
    case 'bytes': return r.take(r.varint());
    case 'string': return text(r.take(r.varint()), where);
    case 'message': return decodeBinary(kind.type, r.take(r.varint()));
    case 'map': return readMapEntry(r.take(r.varint()), where);
    case 'uint64': return r.varint();
    case 'int32': {
      const n = BigInt.asIntN(64, r.varint());
      if (n < -(2n ** 31n) || n >= 2n ** 31n) throw malformed(`${where}: ${n} is not an int32`);
      return Number(n);
    }
    case 'enum': {
      const n = r.varint();
      const name = n < BigInt(kind.names.length) ? kind.names[Number(n)] : undefined;
      if (name === undefined) throw malformed(`${where}: unknown enum value ${n}`);
      return name;
    }
  }
}

function readMapEntry(buf: Uint8Array, where: string): [string, string] {
  const r = new Reader(buf, where);
  const kv = ['', ''] as [string, string];
  const seen = [false, false];
  while (!r.done) {
    const tag = r.varint();
    const no = Number(tag >> 3n);
    if (no === 1 || no === 2) {
      if (seen[no - 1]) throw malformed(`${where}: map entry field ${no} given twice`);
      seen[no - 1] = true;
      kv[no - 1] = readValue(r, { t: 'string' }, Number(tag & 7n), where) as string;
    } else {
      r.skip(Number(tag & 7n));
    }
  }
  return kv;
}

const byNumber = new WeakMap<MessageType<Fields>, Map<number, readonly [string, Field<unknown, Label>]>>();

function fieldsByNumber(type: MessageType<Fields>): Map<number, readonly [string, Field<unknown, Label>]> {
  let m = byNumber.get(type);
  if (m === undefined) {
    m = new Map(fieldList(type).map((e) => [e[1].no, e]));
    byNumber.set(type, m);
  }
  return m;
}

export function decodeBinary<F extends Fields>(type: MessageType<F>, buf: Uint8Array): MessageOf<F> {
  const byNo = fieldsByNumber(type as MessageType<Fields>);
  const out: Obj = {};
  for (const [name, f] of fieldList(type)) {
    if (f.label === 'repeated') out[name] = [];
    if (f.label === 'map') out[name] = {};
  }
  const r = new Reader(buf, type.name);
  while (!r.done) {
    const tag = r.varint();
    if (tag > 0xffffffffn || tag >> 3n === 0n) throw malformed(`${type.name}: bad tag ${tag}`);
    const wireType = Number(tag & 7n);
    const entry = byNo.get(Number(tag >> 3n));
    if (entry === undefined) {
      r.skip(wireType);
      continue;
    }
    const [name, f] = entry;
    const where = `${type.name}.${name}`;
    const v = readValue(r, f.kind, wireType, where);
    if (f.label === 'repeated') {
      (out[name] as unknown[]).push(v);
    } else if (f.label === 'map') {
      const [k, val] = v as [string, string];
      const map = out[name] as Record<string, string>;
      if (Object.hasOwn(map, k)) throw malformed(`${where}: key ${JSON.stringify(k)} given twice`);
      Object.defineProperty(map, k, { value: val, enumerable: true, writable: true, configurable: true });
    } else {
      if (Object.hasOwn(out, name)) throw malformed(`${where}: given twice`);
      out[name] = v;
    }
  }
  for (const [name, f] of fieldList(type)) {
    if (f.label === 'required' && !Object.hasOwn(out, name)) throw malformed(`${type.name}: required field ${name} not set`);
  }
  return out as MessageOf<F>;
}
