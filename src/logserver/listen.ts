/**
 * The thin adapter from Node's HTTP/1.1 server to the log handler: read the body
 * (at most `maxBodyBytes`, gzip undone when the request says so), call the handler,
 * write its answer with a length. Keep-alive, so a client's lookups share connections.
 *
 * Nothing a client sends can stop the server: a body too large is resource_exhausted,
 * an unknown Content-Encoding unimplemented, a broken gzip stream invalid_argument,
 * and whatever else goes wrong in a request ends that request only.
 */

import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzip } from 'node:zlib';
import { ConnectFailure } from './errors.ts';
import type { RpcHandler } from './handler.ts';
import { errorResponse } from './wire.ts';
import type { RpcResponse } from './wire.ts';

export interface LogListenOptions {
  /** Largest request body, after gunzip (default 32 MiB: a Submit of thousands of paths). */
  readonly maxBodyBytes?: number;
  /** Open connections at most (default 1024). */
  readonly maxConnections?: number;
}

export interface RunningLogServer {
  readonly url: string;
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY = 32 << 20;

class TooLarge extends Error {}

function readBody(req: IncomingMessage, max: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) return reject(new TooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.removeAllListeners('data');
        reject(new TooLarge());
      } else {
        chunks.push(c);
      }
    });
    req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function decoded(req: IncomingMessage, body: Uint8Array, max: number): Promise<Uint8Array> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity') return body;
  if (encoding !== 'gzip') throw new ConnectFailure('unimplemented', `unknown compression ${JSON.stringify(encoding.slice(0, 40))}: supported encodings are gzip`);
  return new Promise((resolve, reject) => {
    gunzip(body, { maxOutputLength: max }, (e, out) => {
      if (e === null) return resolve(out);
      reject((e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE' ? new TooLarge() : new ConnectFailure('invalid_argument', 'request body is not valid gzip'));
    });
  });
}

function send(res: ServerResponse, r: RpcResponse, close = false): void {
  const body = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
  res.writeHead(r.status, { ...r.headers, 'content-length': String(body.length), ...(close ? { connection: 'close' } : {}) });
  res.end(body);
}

async function respond(handler: RpcHandler, req: IncomingMessage, res: ServerResponse, max: number): Promise<void> {
  try {
    const raw = await readBody(req, max);
    const body = await decoded(req, raw, max);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    send(res, handler({
      method: req.method ?? 'GET', path: q < 0 ? url : url.slice(0, q), body,
      header: (name) => {
        const v = req.headers[name];
        return Array.isArray(v) ? v.join(', ') : v;
      },
    }));
  } catch (e) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const failure = e instanceof TooLarge ? new ConnectFailure('resource_exhausted', `request body is over ${max} bytes`)
      : e instanceof ConnectFailure ? e : new ConnectFailure('invalid_argument', 'cannot read the request body');
    send(res, errorResponse(failure), e instanceof TooLarge);
  }
}

export async function listenLog(handler: RpcHandler, host: string, port: number, opts: LogListenOptions = {}): Promise<RunningLogServer> {
  const max = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const server = createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 60_000, headersTimeout: 30_000, keepAliveTimeout: 60_000 }, (req, res) => {
    res.on('error', () => undefined);
    void respond(handler, req, res, max);
  });
  server.maxConnections = opts.maxConnections ?? 1024;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => undefined);
  const addr = server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shown}:${addr.port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    }),
  };
}
