/**
 * A protobuf message schema as plain data, and the TypeScript type it implies.
 *
 * Trustix's messages are all proto2 with a handful of field types, so instead of
 * generated code each message is declared once, e.g.
 *
 *   const LogHeadRequest = messageType('trustix_api.v1.LogHeadRequest', { LogID: string(1, 'required') });
 *   type LogHeadRequest = Message<typeof LogHeadRequest>;      // { readonly LogID: string }
 *
 * and wire-binary.ts / wire-json.ts encode and decode any schema. Property names
 * are the .proto field names, which are also the protojson keys. Values:
 * bytes → Uint8Array, string → string, uint64 → bigint, int32 → number, enum → its
 * value name, map<string,string> → record, message → object; required fields are
 * always present, optional ones may be absent, repeated ones are arrays.
 */

export type Label = 'required' | 'optional' | 'repeated' | 'map';

export type Kind =
  | { readonly t: 'bytes' | 'string' | 'uint64' | 'int32' | 'map' }
  | { readonly t: 'enum'; readonly names: readonly string[] }
  | { readonly t: 'message'; readonly type: MessageType<Fields> };

export interface Field<V, L extends Label> {
  readonly no: number;
  readonly label: L;
  readonly kind: Kind;
  /** Type-level only: the value type. */
  readonly __value?: V;
}

export type Fields = { readonly [name: string]: Field<unknown, Label> };

export interface MessageType<F extends Fields> {
  /** Fully qualified, e.g. "trustix_schema.v1.LogHead". */
  readonly name: string;
  readonly fields: F;
}

type ValueOf<X> = X extends Field<infer V, Label> ? V : never;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type Keys<F, L extends Label> = { [K in keyof F]: F[K] extends Field<unknown, L> ? K : never }[keyof F];

export type MessageOf<F extends Fields> = Simplify<
  { readonly [K in Keys<F, 'required'>]: ValueOf<F[K]> } &
  { readonly [K in Keys<F, 'optional'>]?: ValueOf<F[K]> } &
  { readonly [K in Keys<F, 'repeated'>]: readonly ValueOf<F[K]>[] } &
  { readonly [K in Keys<F, 'map'>]: ValueOf<F[K]> }
>;

export type Message<T> = T extends MessageType<infer F> ? MessageOf<F> : never;

export function messageType<F extends Fields>(name: string, fields: F): MessageType<F> {
  return { name, fields };
}

type Plain = 'required' | 'optional' | 'repeated';

export const bytes = <L extends Plain>(no: number, label: L): Field<Uint8Array, L> => ({ no, label, kind: { t: 'bytes' } });
export const string = <L extends Plain>(no: number, label: L): Field<string, L> => ({ no, label, kind: { t: 'string' } });
export const uint64 = <L extends Plain>(no: number, label: L): Field<bigint, L> => ({ no, label, kind: { t: 'uint64' } });
export const int32 = <L extends Plain>(no: number, label: L): Field<number, L> => ({ no, label, kind: { t: 'int32' } });

/** A proto2 (closed) enum; `names[i]` is the name of value i. */
export const enumOf = <const N extends readonly string[], L extends Plain>(no: number, label: L, names: N): Field<N[number], L> =>
  ({ no, label, kind: { t: 'enum', names } });

export const message = <F extends Fields, L extends Plain>(no: number, label: L, type: MessageType<F>): Field<MessageOf<F>, L> =>
  ({ no, label, kind: { t: 'message', type: type as MessageType<Fields> } });

export const stringMap = (no: number): Field<Readonly<Record<string, string>>, 'map'> => ({ no, label: 'map', kind: { t: 'map' } });

const ordered = new WeakMap<MessageType<Fields>, ReadonlyArray<readonly [string, Field<unknown, Label>]>>();

/** The fields of a schema in field-number order, the order both encoders write them in (worked out once per schema). */
export function fieldList(type: MessageType<Fields>): ReadonlyArray<readonly [string, Field<unknown, Label>]> {
  let list = ordered.get(type);
  if (list === undefined) {
    list = Object.entries(type.fields).sort(([, a], [, b]) => a.no - b.no);
    ordered.set(type, list);
  }
  return list;
}
