/** Pure Nix formats: store paths, nix32, hashes, narinfo, fingerprints, keys, path-info JSON, nix-cache-info. */
export * from './errors.ts';
export * from './storepath.ts';
export * from './nix32.ts';
export * from './hash.ts';
export * from './facts.ts';
export * from './narinfo.ts';
export * from './fingerprint.ts';
export * from './keys.ts';
export * from './pathinfo.ts';
export * from './cacheinfo.ts';
