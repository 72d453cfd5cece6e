export * from './errors.ts';
export * from './wire-schema.ts';
export * from './wire-binary.ts';
export * from './wire-json.ts';
export * from './wire-messages.ts';
export * from './connect.ts';
export * from './smt-proof.ts';
export * from './smt-tree.ts';
