import type { PathInfo, StorePath } from './nixfmt/index.ts';

/**
 * The effects a core may use. Cores (logs, engine, server) receive an Ops and never
 * touch fetch, node:fs, process, timers or clocks themselves; host/ implements it for real
 * and tests implement it with in-memory maps.
 */
export interface HttpRequest {
  readonly method?: 'GET' | 'HEAD' | 'POST';
  readonly headers?: Record<string, string>;
  /** A POST's body. */
  readonly body?: Uint8Array;
  readonly signal: AbortSignal;
  /**
   * Gives up (with an error whose name is 'TimeoutError') when headers or the next chunk
   * take longer than this; fetchText also when the whole body has not come within it.
   */
  readonly timeoutMs?: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  /** The body as it arrives, for passing NARs through without buffering them. */
  body(): AsyncIterable<Uint8Array>;
  /** Drops the body so the connection can be reused. */
  discard(): Promise<void>;
}

/** A small body read whole, whatever the status (protocols send errors in it). */
export interface TextResponse {
  readonly status: number;
  readonly text: string;
}

export interface BytesResponse {
  readonly status: number;
  readonly contentType: string | null;
  readonly bytes: Uint8Array;
}

/**
 * Why a request failed, whatever client made it: cores branch on this, never on a
 * client library's error codes. `timeout` is a request's own time running out;
 * `aborted` is the caller's signal.
 */
export type NetFailure = 'refused' | 'unreachable' | 'reset' | 'closed' | 'timeout' | 'too-large' | 'aborted' | 'other';

export class NetError extends Error {
  readonly code = 'NET';
  constructor(readonly failure: NetFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NetError';
  }
}

/** A deadline held by whoever asked for it: its signal aborts when it passes, or when `parent` does. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** Stops the timer (the signal stays as it is). */
  clear(): void;
}

/** Small values that must survive a restart (a log's last verified head), by key. */
export interface StateStore {
  /** Undefined when absent or unreadable: a failed read is a miss. */
  read(key: string): Promise<Uint8Array | undefined>;
  /** Replaces the value atomically: a crash leaves the old value or the new one. */
  write(key: string, value: Uint8Array): Promise<void>;
}

export interface Ops {
  /** A response whose body streams (a NAR); small bodies go through fetchText. */
  fetch(url: string, req: HttpRequest): Promise<HttpResponse>;
  /**
   * GETs a small body (a narinfo) whole, with fetch's timeouts and abort; a 200 body
   * over maxBytes is refused with an error. Cheaper than fetch, which streams.
   */
  fetchText(url: string, req: HttpRequest & { readonly maxBytes: number }): Promise<TextResponse>;
  /** Like fetchText, for a binary body (a protobuf answer). */
  fetchBytes(url: string, req: HttpRequest & { readonly maxBytes: number }): Promise<BytesResponse>;
  /** Milliseconds, monotonic. */
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /**
   * A signal that aborts `ms` from now or with `parent`. The timer holds it: unlike
   * AbortSignal.any over AbortSignal.timeout, garbage collection cannot lose it.
   */
  deadline(ms: number, parent?: AbortSignal): Deadline;
  /** Progress and diagnostics; never part of a command's result. */
  log(event: LogEvent): void;
}

export type LogEvent =
  | { readonly kind: 'progress'; readonly done: number; readonly total: number; readonly phase: string }
  | { readonly kind: 'warn'; readonly message: string }
  | { readonly kind: 'decision'; readonly fields: Record<string, unknown> };

/** What trustix-vote asks of the local Nix. host/nix.ts runs the real commands. */
export interface NixOps {
  readonly storeDir: string;
  /** The subset of `paths` that are valid in the local store. */
  validPaths(paths: readonly string[], signal: AbortSignal): Promise<Set<string>>;
  /** The runtime closure of valid paths (`nix-store -qR`). */
  closure(paths: readonly string[], signal: AbortSignal): Promise<string[]>;
  /** Every output path of every derivation in the closure of these .drv files. */
  derivationOutputs(drvs: readonly string[], signal: AbortSignal): Promise<string[]>;
  /** Instantiates a Nix file (with optional attribute paths) to .drv paths. */
  instantiate(file: string, attrs: readonly string[], signal: AbortSignal): Promise<string[]>;
  /** Evaluates an installable (`.#foo`, `nixpkgs#hello`) to its .drv path. */
  installableDerivation(installable: string, signal: AbortSignal): Promise<string[]>;
  /** The known output paths of each of these .drv files (not of their inputs), by .drv path. */
  outputsOf(drvs: readonly string[], signal: AbortSignal): Promise<Map<string, StorePath[]>>;
  /** The local store's facts about valid paths (`nix path-info --json`); invalid ones are left out. */
  pathInfo(paths: readonly string[], signal: AbortSignal): Promise<PathInfo[]>;
}
