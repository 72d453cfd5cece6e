/** Pure Nix formats: store paths, nix32, hashes, content addresses, narinfo, fingerprints, keys, Nix's JSON outputs, nix-cache-info. */
export * from './errors.ts';
export * from './storepath.ts';
export * from './nix32.ts';
export * from './hash.ts';
export * from './facts.ts';
export * from './ca.ts';
export * from './makepath.ts';
export * from './caproof.ts';
export * from './narinfo.ts';
export * from './narurl.ts';
export * from './fingerprint.ts';
export * from './keys.ts';
export * from './pathinfo.ts';
export * from './derivation.ts';
export * from './nixconfig.ts';
export * from './cacheinfo.ts';
