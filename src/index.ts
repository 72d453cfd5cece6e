/**
 * trustix-vote as a library: the formats Nix speaks, the claims logs make, the log
 * kinds, the engine that collects ballots, and the Lua policy that decides them (in
 * this thread, or on a worker thread as check and serve run it).
 * Only re-exports; the command line is bin/trustix-vote (src/cli/main.ts).
 */
export * from './nixfmt/index.ts';
export * from './claims.ts';
export type { BytesResponse, Deadline, HttpRequest, HttpResponse, LogEvent, NetFailure, NixOps, Ops, StateStore, TextResponse } from './ops.ts';
export { NetError } from './ops.ts';
export * from './logs/index.ts';
export { createEngine, type Engine, type NamedPolicy, type OnVote } from './engine/engine.ts';
export { tee, type Observer } from './engine/observer.ts';
export { gated, type AnswerGate } from './engine/gate.ts';
export { compareRebuild, type RebuildComparison, type RebuildVerdict } from './engine/rebuild.ts';
export * from './vote/index.ts';
export { DEFAULT_MEMORY_LIMIT_MB, startPolicyWorker, type PolicyWorker, type PolicyWorkerOptions } from './host/policy-worker.ts';
export { parseConfig, type Config, type JournalConfig, type PolicyConfig, type QueryConfig, type ServeConfig } from './config/config.ts';
export { ConfigError } from './config/errors.ts';
