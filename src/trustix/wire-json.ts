/**
 * Protobuf JSON (the Connect "json" codec, Go protojson) for any schema of wire-schema.ts.
 *
 * Keys are the .proto field names; bytes are standard padded base64; uint64 is a
 * decimal string; int32 a number; an enum its value name; map<string,string> an
 * object; absent optional and empty repeated fields are left out. Example:
 *
 *   {"LogRoot":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","TreeSize":"0", …}
 *
 * We write compact JSON with keys in field-number order (Go adds random spaces,
 * so never compare its JSON byte for byte). Reading accepts what protojson
 * accepts: base64 in either alphabet, padded or not; uint64 as string or number;
 * enums by name or number; null for an absent field; unknown keys are ignored
 * (Connect discards them). Everything else, and a missing required field, is
 * `malformed`. A uint64 given as a JSON number must be a safe integer, because
 * JSON.parse cannot hold more.
 */

import { Buffer } from 'node:buffer';
import { malformed } from './errors.ts';
import { fieldList } from './wire-schema.ts';
import type { Fields, Kind, MessageOf, MessageType } from './wire-schema.ts';

type Obj = Record<string, unknown>;
const MAX_UINT64 = (1n << 64n) - 1n;
const STD = /^[A-Za-z0-9+/]*$/;
const URL_SAFE = /^[A-Za-z0-9\-_]*$/;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---- writing ----

/** Base64 of the bytes where they are (Buffer.from(bytes) would copy them first). */
export function base64Of(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

function toJsonValue(kind: Kind, v: unknown): unknown {
  switch (kind.t) {
    case 'bytes': return base64Of(v as Uint8Array);
    case 'uint64': return (v as bigint).toString();
    case 'message': return toJsonObject(kind.type, v as Obj);
    case 'map': return Object.fromEntries(Object.entries(v as Obj).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    case 'string': case 'int32': case 'enum': return v;
  }
}

function toJsonObject(type: MessageType<Fields>, msg: Obj): Obj {
  const out: Obj = {};
  for (const [name, f] of fieldList(type)) {
    const v = msg[name];
    if (v === undefined) {
      if (f.label === 'required') throw malformed(`${type.name}: required field ${name} not set`);
      continue;
    }
    if (f.label === 'repeated') {
      if ((v as unknown[]).length > 0) out[name] = (v as unknown[]).map((x) => toJsonValue(f.kind, x));
    } else if (f.label === 'map') {
      if (Object.keys(v as Obj).length > 0) out[name] = toJsonValue(f.kind, v);
    } else {
      out[name] = toJsonValue(f.kind, v);
    }
  }
  return out;
}

export function encodeJson<F extends Fields>(type: MessageType<F>, msg: MessageOf<F>): string {
  return JSON.stringify(toJsonObject(type, msg as Obj));
}

// ---- reading ----

function decodeBytes(s: unknown, where: string): Uint8Array {
  if (typeof s !== 'string') throw malformed(`${where}: bytes must be a base64 string`);
  const body = s.length % 4 === 0 ? s.replace(/={1,2}$/, '') : s;
  if (!(STD.test(body) || URL_SAFE.test(body)) || body.length % 4 === 1) throw malformed(`${where}: not base64`);
  return new Uint8Array(Buffer.from(body, body.includes('-') || body.includes('_') ? 'base64url' : 'base64'));
}

function decodeUint64(v: unknown, where: string): bigint {
  let n: bigint | undefined;
  if (typeof v === 'string' && /^[0-9]{1,20}$/.test(v)) n = BigInt(v);
  if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v);
  if (n === undefined || n < 0n || n > MAX_UINT64) throw malformed(`${where}: not a uint64: ${JSON.stringify(v)}`);
  return n;
}

function decodeInt32(v: unknown, where: string): number {
  const n = typeof v === 'string' && /^-?[0-9]{1,10}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) {
    throw malformed(`${where}: not an int32: ${JSON.stringify(v)}`);
  }
  return n;
}

function fromJsonValue(kind: Kind, v: unknown, where: string): unknown {
  switch (kind.t) {
    case 'bytes': return decodeBytes(v, where);
    case 'uint64': return decodeUint64(v, where);
    case 'int32': return decodeInt32(v, where);
    case 'string':
      if (typeof v !== 'string') throw malformed(`${where}: not a string`);
      return v;
    case 'enum': {
      const name = typeof v === 'number' ? kind.names[v] : v;
      if (typeof name !== 'string' || !kind.names.includes(name)) throw malformed(`${where}: unknown enum value ${JSON.stringify(v)}`);
      return name;
    }
    case 'message':
      if (!isObj(v)) throw malformed(`${where}: not an object`);
      return fromJsonObject(kind.type, v);
    case 'map': {
      if (!isObj(v)) throw malformed(`${where}: not an object`);
      const out: Record<string, string> = {};
      for (const [k, x] of Object.entries(v)) {
        if (typeof x !== 'string') throw malformed(`${where}[${JSON.stringify(k)}]: not a string`);
        Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
  }
}

function fromJsonObject(type: MessageType<Fields>, obj: Obj): Obj {
  const out: Obj = {};
  for (const [name, f] of fieldList(type)) {
    const v = Object.hasOwn(obj, name) ? obj[name] : undefined;
    const where = `${type.name}.${name}`;
    if (f.label === 'repeated') {
      if (v !== undefined && v !== null && !Array.isArray(v)) throw malformed(`${where}: not a list`);
      out[name] = ((v ?? []) as unknown[]).map((x, i) => fromJsonValue(f.kind, x, `${where}[${i}]`));
    } else if (f.label === 'map') {
      out[name] = v === undefined || v === null ? {} : fromJsonValue(f.kind, v, where);
    } else if (v !== undefined && v !== null) {
      out[name] = fromJsonValue(f.kind, v, where);
    } else if (f.label === 'required') {
      throw malformed(`${type.name}: required field ${name} not set`);
    }
  }
  return out;
}

export function decodeJson<F extends Fields>(type: MessageType<F>, json: string): MessageOf<F> {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (cause) {
    throw malformed(`${type.name}: not JSON`, cause);
  }
  if (!isObj(doc)) throw malformed(`${type.name}: not a JSON object`);
  return fromJsonObject(type, doc) as MessageOf<F>;
}
