/** Trustix logs: wire messages, log IDs, signed heads and their tracking, the map and its values (pure). */
export * from './errors.ts';
export * from './wire-schema.ts';
export * from './wire-binary.ts';
export * from './wire-json.ts';
export * from './wire-messages.ts';
export * from './connect.ts';
export * from './protocol.ts';
export * from './key.ts';
export * from './logid.ts';
export * from './head.ts';
export * from './misbehaviour.ts';
export * from './track.ts';
export * from './leaf.ts';
export * from './mapentry.ts';
export * from './value.ts';
export * from './smt-proof.ts';
export * from './smt-tree.ts';
