/**
 * The log kinds `kind = …` may name. Adding a kind is one folder under logs/ and one
 * line here; the shared machinery (limits.ts) and the engine need nothing new.
 */
import { binaryCache } from './cache/kind.ts';
import { withLimits } from './limits.ts';
import { trustixLog } from './trustix/kind.ts';
import { localBuilds } from './local/kind.ts';
import type { LogConfig, LogContext, LogKind, LogSource, QueryLimits } from './types.ts';

export type Registry = ReadonlyMap<string, LogKind>;

/** Erases a kind's settings type so kinds of different settings share one map. */
export const register = <S>(k: LogKind<S>): LogKind => k as unknown as LogKind;

export const LOG_KINDS: Registry = new Map([
  register(binaryCache),
  register(trustixLog),
  register(localBuilds),
].map((k) => [k.kind, k]));

/** Every configured log as a LogSource with the shared limits, in configured order. */
export function createSources(logs: readonly LogConfig[], ctx: LogContext, limits: QueryLimits, registry: Registry = LOG_KINDS): LogSource[] {
  return logs.map((cfg) => {
    const kind = registry.get(cfg.kind);
    if (kind === undefined) throw new TypeError(`log ${cfg.name}: no kind "${cfg.kind}" in the registry`);
    return withLimits(cfg, kind.create(cfg, ctx), limits, ctx.ops);
  });
}
