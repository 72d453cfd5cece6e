/**
 * The server as a fetch handler, `(Request) => Promise<Response>`: no sockets here,
 * so tests call it directly. Errors map to statuses in one place, and a narinfo is
 * never answered with a 5xx — Nix fails on a 5xx but builds locally on a 404.
 */
import { formatCacheInfo, NixFormatError, parseHashPart, type HashPart } from '../nixfmt/index.ts';
import type { Ops } from '../ops.ts';
import type { Metrics } from './metrics.ts';
import { route, type Route } from './routes.ts';
import type { Served, Verdicts } from './verdicts.ts';

export interface HandlerOptions {
  readonly verdicts: Verdicts;
  readonly ops: Ops;
  readonly metrics: Metrics;
  readonly priority: number;
  /** Upstream NAR streams: longest wait for headers, and between two chunks. */
  readonly timeoutMs: number;
  readonly report: () => unknown;
}

const NO_STORE = { 'cache-control': 'no-store' };

export function createHandler(o: HandlerOptions): (req: Request) => Promise<Response> {
  return async (req) => {
    const t0 = o.ops.now();
    const url = new URL(req.url);
    const routed = route(req.method, url.pathname);
    const name = 'route' in routed ? routed.route.kind : 'none';
    let res: Response;
    try {
      res = 'route' in routed ? await answer(routed.route, req.method === 'HEAD', req.signal) : text(routed.status, routed.status === 404 ? 'not found\n' : 'method not allowed\n');
    } catch (e) {
      res = failure(name, e);
    }
    o.metrics.requests.inc({ route: name, status: String(res.status) });
    o.metrics.requestSeconds.observe({ route: name }, (o.ops.now() - t0) / 1000);
    return res;
  };

  async function answer(r: Route, head: boolean, signal: AbortSignal): Promise<Response> {
    switch (r.kind) {
      case 'cache-info':
        return new Response(head ? null : formatCacheInfo({ storeDir: '/nix/store', wantMassQuery: true, priority: o.priority }), {
          headers: { 'content-type': 'text/x-nix-cache-info', 'cache-control': 'public, max-age=300' },
        });
      case 'narinfo':
        return narinfo(parseHashPart(r.hashPart), head);
      case 'nar':
        return nar(parseHashPart(r.hashPart), r.narHash, r.upstream, head, signal);
      case 'metrics':
        return new Response(await o.metrics.registry.metrics(), { headers: { 'content-type': o.metrics.registry.contentType, ...NO_STORE } });
      case 'health':
        return text(200, 'ok\n');
      case 'report':
        return new Response(JSON.stringify(o.report(), null, 2), { headers: { 'content-type': 'application/json', ...NO_STORE } });
    }
  }

  async function narinfo(hashPart: HashPart, head: boolean): Promise<Response> {
    const served = await o.verdicts.forHashPart(hashPart);
    if (served.narinfo === undefined) return text(404, `${reasonOf(served)}\n`);
    return new Response(head ? null : served.narinfo, {
      headers: { 'content-type': 'text/x-nix-narinfo', 'cache-control': served.wouldReject ? 'no-store' : 'public, max-age=60' },
    });
  }

  async function nar(hashPart: HashPart, narHash: string, upstream: number, head: boolean, signal: AbortSignal): Promise<Response> {
    const served = await o.verdicts.forHashPart(hashPart);
    const source = served.nars.get(`${narHash}-${upstream}`);
    if (source === undefined) return text(404, 'no such NAR has won a vote here\n');
    // No overall limit: a large NAR may take long; a stalled one or a client that left ends it.
    const res = await o.ops.fetch(`${source.baseUrl}/${source.narinfo.url}`, { method: head ? 'HEAD' : 'GET', signal, timeoutMs: o.timeoutMs });
    if (res.status !== 200) {
      await res.discard();
      return text(502, `upstream ${source.baseUrl} answered ${res.status}\n`);
    }
    const length = res.headers.get('content-length');
    return new Response(head ? null : res.body(), {
      headers: {
        'content-type': 'application/x-nix-nar',
        'cache-control': 'public, max-age=31536000, immutable',
        ...(length !== null && { 'content-length': length }),
      },
    });
  }

  function failure(name: string, e: unknown): Response {
    o.ops.log({ kind: 'warn', message: `${name}: ${e instanceof Error ? e.message : String(e)}` });
    // A narinfo that cannot be decided is untrusted: 404, and Nix builds the path.
    if (name === 'narinfo') return text(404, 'undecided\n');
    if (e instanceof NixFormatError) return text(400, 'bad request\n');
    return text(502, 'upstream failure\n');
  }
}

function reasonOf(served: Served): string {
  const d = served.decision;
  if (d === undefined) return 'no log knows this path';
  return d.verdict === 'trusted' ? `${d.reason}, but no upstream serves ${d.narHash}` : d.reason;
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...NO_STORE } });
}
