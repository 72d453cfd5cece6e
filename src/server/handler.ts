/**
 * The server as a function of a request: no sockets here, so tests call it directly.
 * Errors map to statuses in one place, and a narinfo is never answered with a 5xx —
 * Nix fails on a 5xx but builds locally on a 404.
 *
 * It answers with a plain Reply; `toFetch` makes it a fetch handler,
 * `(Request) => Promise<Response>`. The Node adapter uses the Reply as it is: a WHATWG
 * Request and Response per narinfo cost a third of serve's time per cached answer.
 */
import { formatCacheInfo, NixFormatError, parseHashPart, type HashPart } from '../nixfmt/index.ts';
import type { Ops } from '../ops.ts';
import type { Metrics } from './metrics.ts';
import { route, type Route } from './routes.ts';
import { checkedNar, NarCheckError } from './nar-stream.ts';
import type { NarSource } from './offer.ts';
import type { Answered, Offers } from './offers.ts';

export interface HandlerOptions {
  readonly offers: Offers;
  readonly ops: Ops;
  readonly metrics: Metrics;
  readonly priority: number;
  /** Upstream NAR streams: longest wait for headers, and between two chunks. */
  readonly timeoutMs: number;
  readonly report: () => unknown;
}

const NO_STORE = { 'cache-control': 'no-store' };
/** A NAR must average this many bytes/s once the request timeout has passed: a drip is cut. */
const MIN_NAR_RATE = 1024;
/** NAR files remembered as bad; the oldest are forgotten past this. */
const MAX_BAD = 10_000;

export interface ServerRequest {
  readonly method: string;
  /** Path and query, as on the request line. */
  readonly target: string;
  /** Aborted when the client goes away; read only by routes that stream (it may be made on first read). */
  readonly signal: AbortSignal;
}

export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Omitted for HEAD by the adapter; a NAR streams through as it arrives. */
  readonly body: string | AsyncIterable<Uint8Array> | null;
}

export type Handler = (req: ServerRequest) => Promise<Reply>;

export function createHandler(o: HandlerOptions): Handler {
  const bad = new Map<string, true>();
  return async (req) => {
    const t0 = o.ops.now();
    const routed = route(req.method, pathOf(req.target));
    const name = 'route' in routed ? routed.route.kind : 'none';
    let res: Reply;
    try {
      res = 'route' in routed ? await answer(routed.route, req) : text(routed.status, routed.status === 404 ? 'not found\n' : 'method not allowed\n');
    } catch (e) {
      res = failure(name, e);
    }
    o.metrics.request(name, res.status, (o.ops.now() - t0) / 1000);
    return res;
  };

  async function answer(r: Route, req: ServerRequest): Promise<Reply> {
    const head = req.method === 'HEAD';
    switch (r.kind) {
      case 'cache-info':
        if (!o.offers.hasPolicy(r.policy)) return noPolicy(r.policy);
        return reply(formatCacheInfo({ storeDir: '/nix/store', wantMassQuery: true, priority: o.priority }), 'text/x-nix-cache-info', 'public, max-age=300');
      case 'narinfo':
        return narinfo(parseHashPart(r.hashPart), r.policy);
      case 'nar':
        return nar(parseHashPart(r.hashPart), r.policy, r.narHash, r.upstream, head, req.signal);
      case 'metrics':
        return reply(await o.metrics.registry.metrics(), o.metrics.registry.contentType, 'no-store');
      case 'health':
        return text(200, 'ok\n');
      case 'report':
        return reply(JSON.stringify(o.report(), null, 2), 'application/json', 'no-store');
    }
  }

  async function narinfo(hashPart: HashPart, policy: string): Promise<Reply> {
    const answered = o.offers.forHashPart(hashPart, policy);
    if (answered === undefined) return noPolicy(policy);
    const served = await answered;
    if (served.narinfo === undefined) return text(404, `${served.why}\n`);
    return reply(served.narinfo, 'text/x-nix-narinfo', served.wouldReject ? 'no-store' : 'public, max-age=60');
  }

  async function nar(hashPart: HashPart, policy: string, narHash: string, upstream: number, head: boolean, signal: AbortSignal): Promise<Reply> {
    const answered: Answered | undefined = await o.offers.forHashPart(hashPart, policy);
    if (answered === undefined) return noPolicy(policy);
    const named = answered.narHash === narHash ? answered.nars.find((s) => s.index === upstream) : undefined;
    if (named === undefined) return text(404, 'no such NAR has won a vote here\n');
    const source = bad.has(named.url) ? alternative(answered.nars, named, bad) : named;
    if (source === undefined) return text(404, 'every upstream holding this NAR sent a bad file; build it locally\n');
    // No overall limit: a large NAR may take long; a stalled or dripping one, or a client that left, ends it.
    const res = await o.ops.fetch(source.url, { method: head ? 'HEAD' : 'GET', signal, timeoutMs: o.timeoutMs });
    if (res.status !== 200) {
      await res.discard();
      if (res.status === 404 || res.status === 410) markBad(source, `answered ${res.status}`);
      return text(502, `upstream ${source.baseUrl} answered ${res.status}\n`);
    }
    const checked = checkedNar(res.body(), { ...source, minRate: MIN_NAR_RATE, graceMs: o.timeoutMs, now: () => o.ops.now() });
    const length = res.headers.get('content-length');
    return {
      status: 200,
      headers: {
        'content-type': 'application/x-nix-nar',
        'cache-control': 'public, max-age=31536000, immutable',
        ...(length !== null && { 'content-length': length }),
      },
      body: head ? null : marking(checked, source),
    };
  }

  /** A file that failed its check is not asked again: Nix's retry gets the next upstream with the same NAR. */
  async function* marking(body: AsyncIterable<Uint8Array>, source: NarSource): AsyncGenerator<Uint8Array> {
    try {
      yield* body;
    } catch (e) {
      if (e instanceof NarCheckError) markBad(source, e.message);
      throw e;
    }
  }

  function markBad(source: NarSource, why: string): void {
    o.ops.log({ kind: 'warn', message: `upstream ${source.baseUrl} ${why} for ${source.url}; serving that NAR from another upstream from now on` });
    bad.set(source.url, true);
    if (bad.size > MAX_BAD) bad.delete(bad.keys().next().value as string);
  }

  function failure(name: string, e: unknown): Reply {
    o.ops.log({ kind: 'warn', message: `${name}: ${e instanceof Error ? e.message : String(e)}` });
    // A narinfo that cannot be decided is untrusted: 404, and Nix builds the path.
    if (name === 'narinfo') return text(404, 'undecided\n');
    if (e instanceof NixFormatError) return text(400, 'bad request\n');
    return text(502, 'upstream failure\n');
  }
}

/**
 * The path of a request target, as sent: no normalisation, so `/nar/../x` or `%2e%2e`
 * stay what they are and match no route. An absolute-form target keeps only its path.
 */
function pathOf(target: string): string {
  const q = target.search(/[?#]/);
  const path = q < 0 ? target : target.slice(0, q);
  return path.startsWith('/') ? path : path.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
}

/** Another upstream's file for the same NAR, in the same compression (the narinfo Nix has names it). */
function alternative(nars: readonly NarSource[], named: NarSource, bad: ReadonlyMap<string, true>): NarSource | undefined {
  return nars.find((s) => !bad.has(s.url) && s.compression === named.compression);
}

/** A policy name no one configured: the substituter URL is wrong, so say so (Nix builds locally). */
function noPolicy(name: string): Reply {
  return text(404, `no policy named "${name}" is configured here ([policy.${name}] in the config)\n`);
}

function reply(body: string, contentType: string, cacheControl: string): Reply {
  return { status: 200, headers: { 'content-type': contentType, 'cache-control': cacheControl }, body };
}

function text(status: number, body: string): Reply {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...NO_STORE }, body };
}

/** The handler as a fetch handler, `(Request) => Promise<Response>`. */
export function toFetch(handler: Handler): (req: Request) => Promise<Response> {
  return async (req) => {
    const url = new URL(req.url);
    const r = await handler({ method: req.method, target: `${url.pathname}${url.search}`, signal: req.signal });
    const body = r.body === null || typeof r.body === 'string' ? r.body : ReadableStream.from(r.body);
    if (req.method === 'HEAD' && body instanceof ReadableStream) await body.cancel();
    return new Response(req.method === 'HEAD' ? null : body, { status: r.status, headers: r.headers });
  };
}
