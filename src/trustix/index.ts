/** Trustix logs: wire messages, log IDs, signed heads and their tracking, the map and its values (pure). */
export * from './errors.ts';
export * from './wire-schema.ts';
export * from './wire-binary.ts';
export * from './wire-json.ts';
export * from './wire-messages.ts';
export * from './connect.ts';
