/**
 * The effects a core may use. Cores (logs, engine, server) receive an Ops and never
 * touch fetch, node:fs, process or Date.now themselves; host/ implements it for real
 * and tests implement it with in-memory maps.
 */
export interface HttpRequest {
  readonly method?: 'GET' | 'HEAD';
  readonly headers?: Record<string, string>;
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

/** A small body read whole: its status and, for a 200, its text ('' otherwise). */
export interface TextResponse {
  readonly status: number;
  readonly text: string;
}

export interface Ops {
  /** A response whose body streams (a NAR); small bodies go through fetchText. */
  fetch(url: string, req: HttpRequest): Promise<HttpResponse>;
  /**
   * GETs a small body (a narinfo) whole, with fetch's timeouts and abort; a 200 body
   * over maxBytes is refused with an error. Cheaper than fetch, which streams.
   */
  fetchText(url: string, req: HttpRequest & { readonly maxBytes: number }): Promise<TextResponse>;
  /** Milliseconds, monotonic. */
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
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
}
