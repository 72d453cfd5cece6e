/** `trustix-vote log serve`: our log over Trustix's Connect API. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogHandler } from '../logserver/handler.ts';
import type { Writer } from '../logserver/handler.ts';
import { listenLog } from '../logserver/listen.ts';
import { openLog } from '../logserver/log.ts';
import { PROVABLE_HEADS, logReader } from '../logserver/service.ts';
import { readLogSecret, statePaths } from '../logserver/state.ts';
import { parseListen } from '../server/node.ts';
import { parsePublicToken, parseWriteToken } from '../trustix/index.ts';
import type { PublicToken } from '../trustix/index.ts';
import type { CliIO } from './io.ts';
import { FileError, UsageError } from './io.ts';

export const DEFAULT_LOG_LISTEN = '127.0.0.1:37516';

export const LOG_SERVE_HELP = `Usage: trustix-vote log serve --state DIR [--listen HOST:PORT] [--write-tokens FILE]
                              [--upstream URL]

Serve the log in DIR (see trustix-vote log init) as a Trustix node speaks, over
the Connect protocol with JSON or binary protobuf bodies (POST /<service>/<method>):

  trustix_api.v1.NodeAPI   Logs, GetValue
  trustix_api.v1.LogAPI    GetHead, GetLogEntries, GetLogAuditProof, GetLogConsistencyProof,
                           GetMapValue, and GetMHLog* for the map-head log
  trustix_rpc.v1.LogRPC    Submit, Flush: only with --write-tokens

Every answer is about the latest signed head, re-read whenever 'log submit' adds
one. GetMapValue proves a key against any of the latest ${PROVABLE_HEADS} heads (Trustix: the
latest only), and proves absence with an empty Value (Trustix: an error). Bad
requests get Connect error bodies; nothing a client sends stops the server.

On start the log's map is built in memory from its entries (about a second per
100,000 entries).

Options
  --state DIR            the log's state directory
  --listen HOST:PORT     where to listen (default ${DEFAULT_LOG_LISTEN}, loopback only)
  --write-tokens FILE    accept LogRPC.Submit and Flush signed by these write tokens
                         (NAME:BASE64 lines, public or secret; see trustix-vote log token).
                         Without it, nobody can write over HTTP.
  --upstream URL         a binary cache with this log's NARs, advertised in Log.Meta
  -h, --help             show this help

Each Submit is logged to stderr as one JSON line. SIGTERM or SIGINT stops the
server cleanly. Exit status: 0 after a clean stop, 2 on usage or state errors.
`;

export async function runLogServe(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      state: { type: 'string' }, listen: { type: 'string', default: DEFAULT_LOG_LISTEN }, 'write-tokens': { type: 'string' },
      upstream: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(LOG_SERVE_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`log serve takes no arguments, got "${positionals[0]}"`);
  if (values.state === undefined) throw new UsageError('log serve needs --state DIR');
  let where: { host: string; port: number };
  try {
    where = parseListen(values.listen) as { host: string; port: number };
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (values.upstream !== undefined && !/^https?:\/\/[^\s]+$/.test(values.upstream)) throw new UsageError(`--upstream wants an http(s) URL, got "${values.upstream}"`);
  const paths = statePaths(resolve(io.cwd, values.state));
  const log = openLog(paths.db, { history: PROVABLE_HEADS });
  const db = log.db;
  try {
    const writer: Writer | undefined = values['write-tokens'] === undefined ? undefined
      : { tokens: readTokens(resolve(io.cwd, values['write-tokens'])), sign: readLogSecret(paths, db.meta.key).sign };
    const reader = logReader(log);
    const handler = createLogHandler({
      reader,
      ...(values.upstream === undefined ? {} : { meta: { upstream: values.upstream } }),
      ...(writer === undefined ? {} : { writer }),
      onSubmit: (token, r) => io.stderr(`${JSON.stringify({
        event: 'submit', token, added: r.outcomes.filter((o) => o.kind === 'added').length, present: r.outcomes.filter((o) => o.kind === 'present').length,
        refused: r.outcomes.filter((o) => o.kind === 'conflict').length, treeSize: Number(r.head.treeSize),
      })}\n`),
    });
    const server = await listenLog(handler, where.host, where.port).catch((e: unknown) => {
      throw new UsageError(`cannot listen on ${values.listen}: ${e instanceof Error ? e.message : String(e)}`);
    });
    const head = reader.head();
    io.stderr(`trustix-vote log serve: listening on ${server.url} (log ${db.meta.logId}, protocol ${db.meta.protocol.name}, TreeSize ${head.treeSize}; `
      + `${writer === undefined ? 'read-only' : `Submit for ${writer.tokens.length} write token${writer.tokens.length === 1 ? '' : 's'}`})\n`);
    await new Promise<void>((done) => {
      if (io.signal.aborted) return done();
      io.signal.addEventListener('abort', () => done(), { once: true });
    });
    await server.close();
    io.stderr('trustix-vote log serve: stopped\n');
    return 0;
  } finally {
    db.close();
  }
}

function readTokens(file: string): PublicToken[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new FileError(`cannot read --write-tokens ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const tokens = lines.map((line, i) => {
    try {
      return (line.length - line.indexOf(':')) > 60 ? parseWriteToken(line) : parsePublicToken(line); // base64 of 64 or 32 bytes
    } catch (e) {
      throw new FileError(`${file}:${i + 1}: not a write token (NAME:BASE64): ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  if (tokens.length === 0) throw new FileError(`${file} holds no write token`);
  const names = new Set<string>();
  for (const t of tokens) {
    if (names.has(t.name)) throw new FileError(`${file}: token name "${t.name}" is there twice`);
    names.add(t.name);
  }
  return tokens.map((t) => ({ name: t.name, key: t.key }));
}
