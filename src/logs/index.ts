/** Where a log is queried: the kinds, their registry and the machinery they share. */
export type { KeyReader, KindConfig, KindSource, LogBase, LogConfig, LogContext, LogKind, LocalBuild, LocalBuilds, LogSource, QueryLimits } from './types.ts';
export { LOG_KINDS, createSources, register, type Registry } from './registry.ts';
export { HttpStatusError, faultOf, withLimits } from './limits.ts';
export { binaryCache, cacheUrl, type CacheSettings } from './cache/kind.ts';
export { trustixLog, nodeUrl, type TrustixSettings } from './trustix/kind.ts';
