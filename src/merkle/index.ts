/** RFC 6962 / 9162 Merkle log hashing, roots and proofs (pure; imports nothing from src/). */
export * from './hash.ts';
export * from './errors.ts';
export * from './root.ts';
export * from './inclusion.ts';
export * from './consistency.ts';
export * from './prove.ts';
export * from './stored.ts';
