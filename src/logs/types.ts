/**
 * A log is a named, independent builder. Every kind of log (a plain binary cache, a
 * Trustix log, ...) is a plug-in (registry.ts): it reads its own config keys and
 * makes a LogSource. Asked about one store path, a source answers with a verified
 * vote, a miss or a fault. It never throws: whatever goes wrong is a fault with a
 * kind and a one-line reason, and a fault never counts as agreement.
 */
import type { Answer, LogName, Question } from '../claims.ts';
import type { Ed25519Verify, HashPart, PathFacts } from '../nixfmt/index.ts';
import type { Ops, StateStore } from '../ops.ts';

export interface LogSource {
  readonly name: LogName;
  readonly kind: string;
  readonly weight: number;
  /**
   * 'hash-part': the log can be asked by hash part alone (a binary cache: `<hash>.narinfo`).
   * 'store-path': it needs the full path (a Trustix log keys entries by path); the
   * engine learns the path from the other logs first.
   */
  readonly addressing: 'hash-part' | 'store-path';
  /**
   * What this log says about the path. With `q.path` set, an answer naming another
   * path is a fault.
   */
  query(q: Question, signal: AbortSignal): Promise<Answer>;
}

/**
 * What a kind implements before the shared machinery (limits.ts) wraps it: one try
 * at one question. It may throw NetError (or anything); limits.ts turns that into
 * retries, the down-log tracker and faults.
 */
export interface KindSource {
  readonly addressing: LogSource['addressing'];
  /**
   * Work done once and shared by all of a run's queries (fetch and verify a signed
   * head). A failure makes every query a fault with its answer.
   */
  start?(signal: AbortSignal): Promise<Answer | undefined>;
  ask(q: Question, signal: AbortSignal): Promise<Answer>;
}

/** How a kind reads its own keys of a `[log.NAME]` section; config/ implements it. */
export interface KeyReader {
  optional<T>(key: string, conv: (v: string) => T): T | undefined;
  required<T>(key: string, conv: (v: string) => T): T;
  number(key: string, dflt: number, min: number, max: number): number;
}

/** The keys every kind shares, read before the kind's own. */
export interface LogBase {
  readonly name: LogName;
  readonly kind: string;
  readonly weight: number;
  /**
   * `trusted-until`, milliseconds since the epoch: claims first seen after it do not
   * count (a key retired, or about to be); the journal remembers when each was first seen.
   */
  readonly trustedUntil?: number;
}

/** A kind's parsed config: its own settings plus what the core needs to know of every log. */
export interface KindConfig<S> {
  readonly settings: S;
  /** The builder's key bytes: two logs with one key are one builder, refused by the config. */
  readonly identity: Uint8Array;
  /** A binary cache whose NARs serve may pass on; undefined for kinds that hold none. */
  readonly upstream?: string;
}

export interface LogConfig<S = unknown> extends LogBase, KindConfig<S> {}

/** What a kind's source may use: effects, the signature checker, the state directory. */
export interface LogContext {
  readonly ops: Ops;
  /** Milliseconds one request may take. */
  readonly timeoutMs: number;
  readonly verify: Ed25519Verify;
  readonly state: StateStore;
  /** This machine's recorded builds (the journal's), for `kind = local`; absent without a journal. */
  readonly localBuilds?: LocalBuilds;
}

/** A path as this machine built it, from the post-build hook's queue, compared and recorded. */
export interface LocalBuild extends PathFacts {
  /** When the build was recorded, milliseconds since the epoch. */
  readonly builtAt: number;
}

/** Where `kind = local` finds this machine's builds; the journal implements it. */
export interface LocalBuilds {
  /** The latest recorded build of the path with this hash part, if any. */
  latest(hashPart: HashPart): LocalBuild | undefined;
}

export interface LogKind<S = unknown> {
  /** The value of `kind =` that selects it. */
  readonly kind: string;
  /** Its own keys, for the config's "unknown key" suggestions and help. */
  readonly keys: readonly string[];
  parse(r: KeyReader): KindConfig<S>;
  create(cfg: LogConfig<S>, ctx: LogContext): KindSource;
}

export interface QueryLimits {
  /** Milliseconds one request may take. */
  readonly timeoutMs: number;
  /** Extra attempts after a transient failure (connection reset, 5xx, 429). */
  readonly retries: number;
  /** Requests in flight to one log at once. */
  readonly perLog: number;
  /** Shared by every log of a run: bounds requests in flight over all logs. */
  readonly global: <T>(fn: () => Promise<T>) => Promise<T>;
}
