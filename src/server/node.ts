/**
 * The thin adapter from Node's http server to the handler: on a TCP port
 * (`--listen HOST:PORT`) or on a socket inherited from systemd (LISTEN_FDS).
 * Bodies stream both ways; a client that goes away cancels the upstream read.
 *
 * Open connections are capped (each holds a file descriptor): near the cap, the
 * connections idle longest are closed to keep room for new ones (Nix reconnects
 * as it needs), keep-alive is shortened, and only when every connection is busy
 * with a request is a new one turned away.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Handler } from './handler.ts';

export type Listen = { readonly host: string; readonly port: number } | { readonly fd: number };

export interface RunningServer {
  readonly url: string;
  /** Milliseconds (performance.now) of the last request, for --idle-exit. */
  lastActivity(): number;
  active(): number;
  /** Open client connections. */
  connections(): number;
  close(): Promise<void>;
}

export interface ListenOptions {
  /** Open connections at most (default 1024); idle ones are closed from 7/8 of it on. */
  readonly maxConnections?: number;
}

export const DEFAULT_MAX_CONNECTIONS = 1024;
const KEEP_ALIVE_MS = 60_000;
const KEEP_ALIVE_CROWDED_MS = 2_000;

export async function listen(handler: Handler, where: Listen, opts: ListenOptions = {}): Promise<RunningServer> {
  let last = performance.now();
  let active = 0;
  // Keep-alive is shortened while more than half the connections allowed are open.
  const conns = connectionCap(opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS, (crowded) => {
    server.keepAliveTimeout = crowded ? KEEP_ALIVE_CROWDED_MS : KEEP_ALIVE_MS;
  });
  let closing = false;
  const server: Server = createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 60_000 }, (req, res) => {
    active += 1;
    last = performance.now();
    conns.busy(req.socket, res);
    // A request answered after close() began would otherwise keep its connection (and
    // the stop) waiting for the keep-alive timeout.
    res.once('finish', () => closing && setImmediate(() => server.closeIdleConnections()));
    void respond(handler, req, res).finally(() => {
      active -= 1;
      last = performance.now();
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.on('connection', (socket: Socket) => conns.opened(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if ('fd' in where) server.listen({ fd: where.fd }, resolve);
    else server.listen(where.port, where.host, resolve);
  });
  const addr = server.address();
  const url = typeof addr === 'object' && addr !== null ? `http://${hostOf(addr)}:${addr.port}` : `fd:${'fd' in where ? where.fd : '?'}`;
  return {
    url,
    lastActivity: () => last,
    active: () => active,
    connections: () => conns.open(),
    close: () => new Promise<void>((resolve) => {
      closing = true;
      server.close(() => resolve());
      server.closeIdleConnections();
    }),
  };
}

/**
 * Tracks open connections in order of last use: a socket is busy while it has a request
 * unanswered, idle otherwise (just accepted, or kept alive after an answer). Past the
 * high-water mark the least recently used idle sockets are closed, never the newest
 * (its request is on the way); past the cap with none idle, the newest is.
 */
function connectionCap(max: number, onCrowded: (crowded: boolean) => void) {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxConnections must be a whole number >= 1, got ${max}`);
  const highWater = max - Math.max(1, Math.floor(max / 8));
  const inFlight = new Map<Socket, number>(); // insertion order = least recently used first
  let crowded = false;
  const count = () => {
    if (crowded !== inFlight.size > max / 2) onCrowded((crowded = !crowded));
  };
  const touch = (s: Socket, n: number) => {
    inFlight.delete(s);
    inFlight.set(s, n);
  };
  return {
    open: () => inFlight.size,
    opened(socket: Socket): void {
      touch(socket, 0);
      socket.once('close', () => {
        inFlight.delete(socket);
        count();
      });
      count();
      if (inFlight.size <= highWater) return;
      for (const [s, n] of inFlight) {
        if (inFlight.size <= highWater) break;
        if (n === 0 && s !== socket) {
          inFlight.delete(s);
          s.destroy();
        }
      }
      if (inFlight.size > max) {
        inFlight.delete(socket);
        socket.destroy();
      }
    },
    busy(socket: Socket, res: ServerResponse): void {
      if (!inFlight.has(socket)) return; // already closed
      touch(socket, (inFlight.get(socket) ?? 0) + 1);
      res.once('close', () => {
        const n = inFlight.get(socket);
        if (n !== undefined) touch(socket, Math.max(0, n - 1));
      });
    },
  };
}

async function respond(handler: Handler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const head = req.method === 'HEAD';
  try {
    const r = await handler({ method: req.method ?? 'GET', target: req.url ?? '/', get signal() { return leaving(res); } });
    if (r.body === null || typeof r.body === 'string') {
      // Small answers (narinfo, metrics) with a length, not chunked; a string body goes
      // out in the same write as the head.
      const body = r.body;
      res.writeHead(r.status, body === null ? r.headers : { ...r.headers, 'content-length': String(Buffer.byteLength(body)) });
      res.end(head || body === null ? undefined : body);
    } else {
      res.writeHead(r.status, r.headers);
      await stream(r.body, res);
    }
  } catch {
    if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end('bad request\n');
    else res.destroy();
  }
}

/**
 * Aborted when the client goes away before its answer is finished. Made only for the
 * routes that ask (a NAR's upstream read): an AbortController per cached narinfo is a
 * sixth of its cost.
 */
function leaving(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  // 'close' also fires after a normal finish; only a client that left early aborts.
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

/**
 * A Readable (an upstream NAR) is piped: stream.pipeline costs a third of a small NAR's
 * hop. An upstream error or a client gone ends both sides, including one that left
 * before the answer started.
 */
async function stream(body: AsyncIterable<Uint8Array>, res: ServerResponse): Promise<void> {
  if (!(body instanceof Readable)) return pipeline(body, res);
  if (res.destroyed || body.destroyed) {
    body.destroy();
    res.destroy();
    return;
  }
  await new Promise<void>((resolve) => {
    body.once('error', () => {
      res.destroy();
      resolve();
    });
    res.once('close', () => {
      if (!body.readableEnded) body.destroy();
      resolve();
    });
    body.pipe(res);
  });
}

function hostOf(addr: AddressInfo): string {
  return addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
}

/** systemd socket activation: the first inherited fd, when LISTEN_PID is us. */
export function socketFromEnv(env: Readonly<Record<string, string | undefined>>, pid: number): Listen | undefined {
  if (env['LISTEN_FDS'] === undefined || Number(env['LISTEN_FDS']) < 1) return undefined;
  if (env['LISTEN_PID'] !== undefined && Number(env['LISTEN_PID']) !== pid) return undefined;
  return { fd: 3 };
}

export function parseListen(s: string): Listen {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(s);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new Error(`--listen wants HOST:PORT, got "${s}"`);
  return { host: m[1] ?? m[2] ?? '127.0.0.1', port };
}
