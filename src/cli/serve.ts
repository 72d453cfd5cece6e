/** `trustix-vote serve`: a binary cache on loopback that serves Nix only what won the vote. */
import { parseArgs } from 'node:util';
import { whereIs, type Config } from '../config/config.ts';
import { ConfigError } from '../config/errors.ts';
import { parseSecretKey, type SecretKey } from '../nixfmt/index.ts';
import type { LogEvent } from '../ops.ts';
import { createHandler } from '../server/handler.ts';
import { createMetrics } from '../server/metrics.ts';
import { listen, parseListen, socketFromEnv, type Listen } from '../server/node.ts';
import { createReport } from '../server/report.ts';
import { createOffers, type OfferMade, type ServeObserver } from '../server/offers.ts';
import type { CliIO } from './io.ts';
import { UsageError } from './io.ts';
import { governMemory, LEAN_HEAP_FLAGS } from '../host/memory.ts';
import { startDrains } from './serve-drain.ts';
import { loadConfig, setup } from './setup.ts';

/** serve's resident memory target (bench/serve-memory.ts): a full collection runs past it. */
const MEMORY_BUDGET = 110 * 1024 * 1024;

export const SERVE_HELP = `Usage: trustix-vote serve --config FILE [--listen HOST:PORT] [--policy FILE] [--idle-exit SECONDS]
                          [--max-connections N]

Serve the Nix binary-cache protocol on loopback, answering only for store paths
that won the vote. Make it Nix's only substituter and trust only its key:

  substituters = http://127.0.0.1:37515
  trusted-public-keys = <the public key of [serve] signing-key>
  fallback = true

A path that loses the vote gets 404 and Nix builds it locally; the narinfo of a
path that wins carries the voted NarHash, so Nix itself checks the NAR's bytes.

Routes
  /nix-cache-info, /<hash>.narinfo (GET, HEAD), /nar/… (only voted NarHashes),
  /metrics (Prometheus), /health, /report (paths report mode would have rejected)

Options
  --config FILE        trustix-vote config; [serve] signing-key is required
  --listen HOST:PORT   where to listen (default: [serve] listen, 127.0.0.1:37515);
                       with systemd socket activation (LISTEN_FDS) the inherited
                       socket is used instead
  --policy FILE        Lua policy instead of the config's [policy] file
  --idle-exit SECONDS  exit after this long without requests (for socket activation)
  --max-connections N  open client connections at most (default: [serve]
                       max-connections, 1024); near it the longest-idle keep-alive
                       connections are closed first
  -h, --help           show this help

Each decision is logged to stderr as one JSON line, and recorded in the journal
under [state] dir (see trustix-vote why, report). Every [state] drain-every
seconds (default 60) serve also drains the post-build hook's queue of local
builds, comparing each with the logs (as trustix-vote post-build-hook --drain). SIGTERM or SIGINT stops the
server cleanly. Exit status: 0 after a clean stop, 2 on usage or configuration errors.
`;

export async function runServe(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      listen: { type: 'string' },
      policy: { type: 'string' },
      'idle-exit': { type: 'string' },
      'max-connections': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(SERVE_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`serve takes no arguments, got "${positionals[0]}"`);
  const idleExit = values['idle-exit'] === undefined ? undefined : Number(values['idle-exit']);
  if (idleExit !== undefined && !(idleExit > 0)) throw new UsageError('--idle-exit wants a number of seconds > 0');
  const maxConnectionsFlag = values['max-connections'] === undefined ? undefined : Number(values['max-connections']);
  if (maxConnectionsFlag !== undefined && (!Number.isInteger(maxConnectionsFlag) || maxConnectionsFlag < 1)) throw new UsageError('--max-connections wants a whole number > 0');
  if (values.config === undefined) {
    throw new UsageError('serve needs --config FILE: it signs what it serves with the key in [serve] signing-key (make one with trustix-vote keygen)');
  }
  const config = loadConfig(io, values.config);
  const key = signingKey(io, config);
  const maxConnections = maxConnectionsFlag ?? config.serve.maxConnections;
  const where: Listen = socketFromEnv(io.env, io.pid) ?? listenOf(values.listen ?? config.serve.listen);
  const metrics = createMetrics();
  const memory = governMemory({ budgetBytes: MEMORY_BUDGET, heapFlags: LEAN_HEAP_FLAGS });
  const report = createReport(1000);
  const lines = lineWriter(io.stderr);
  // One observer of everything serve learns; today: a decision line, metrics and, in report mode, the report.
  const observer: ServeObserver = {
    offered(made) {
      const d = made.decision;
      const verdict = d?.verdict ?? 'unknown';
      metrics.decided(verdict, made.ms / 1000, d?.faults.map((f) => f.log) ?? []);
      if (made.wouldReject && d !== undefined) report.add(d);
      s.ops.log({ kind: 'decision', fields: { ...decisionFields(made), mode: config.serve.mode, served: made.narinfo !== undefined } });
      // Queued only: the journal writes on its own timer, after Nix has its answer.
      s.journal?.offered(made);
    },
  };
  const s = await setup(io, { config, verifyOnWorker: true, ...(values.policy !== undefined && { policyFile: values.policy }), onEvent: logEvent(lines.write), observer, journal: 'serve' });
  const offers = createOffers({
    engine: s.engine, policies: s.policies, ops: s.ops, key, sign: s.ops.sign, mode: config.serve.mode, narUrls: config.serve.narUrls,
    upstreams: config.upstreams ?? config.logs.flatMap((l) => (l.upstream === undefined ? [] : [l.upstream])),
    cacheSize: config.serve.cacheSize, ttlMs: config.serve.cacheTtlMs, deadlineMs: config.query.deadlineMs, timeoutMs: config.query.timeoutMs, observer,
  });
  const handler = createHandler({ offers, ops: s.ops, metrics, priority: config.serve.priority, timeoutMs: config.query.timeoutMs, report: () => report.list() });
  const server = await listen(handler, where, { maxConnections }).catch((e: unknown) => {
    throw new UsageError(`cannot listen on ${'fd' in where ? `fd ${where.fd}` : `${where.host}:${where.port}`}: ${e instanceof Error ? e.message : e}`);
  });
  const named = s.policies.filter((p) => p.name !== '').map((p) => `${server.url}/policy/${p.name}`);
  io.stderr(`trustix-vote serve: listening on ${server.url}${'fd' in where ? ` (socket fd ${where.fd} from systemd)` : ''} (${config.logs.length} logs, mode ${config.serve.mode}, key ${key.publicKey.text})\n`);
  if (named.length > 0) io.stderr(`trustix-vote serve: named policies at ${named.join(', ')}\n`);
  const drains = startDrains(io, s, lines.write);
  await stopped(io.signal, idleExit, server);
  await server.close();
  memory.stop();
  await drains.stop();
  await s.close();
  lines.flush();
  io.stderr('trustix-vote serve: stopped\n');
  return 0;
}

function signingKey(io: CliIO, config: Config): SecretKey {
  const keyFile = config.serve.signingKeyFile;
  const where = whereIs(config, 'serve', 'signing-key');
  if (keyFile === undefined) throw new ConfigError(config.file, where, 'missing: serve signs every narinfo it answers (make one with trustix-vote keygen)');
  const text = io.readFile(keyFile);
  if (text === undefined) throw new ConfigError(config.file, where, `cannot read ${keyFile}`);
  try {
    return parseSecretKey(text.trim());
  } catch (e) {
    throw new ConfigError(config.file, where, `${keyFile}: ${e instanceof Error ? e.message : e}`);
  }
}

function listenOf(s: string): Listen {
  try {
    return parseListen(s);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

function decisionFields(made: OfferMade): Record<string, unknown> {
  const d = made.decision;
  const policy = made.policy === '' ? {} : { policy: made.policy };
  if (d === undefined) return { path: null, verdict: 'unknown', reason: 'no log knows this path', ...policy, ms: Math.round(made.ms) };
  return {
    path: d.path, verdict: d.verdict, narHash: d.narHash ?? null, agree: d.agree, disagree: d.disagree,
    missing: d.missing, faults: d.faults, reason: d.reason, ...policy, ms: Math.round(made.ms),
  };
}

function logEvent(write: (line: string) => void): (e: LogEvent) => void {
  return (e) => {
    if (e.kind === 'decision') write(`${JSON.stringify({ event: 'decision', ...e.fields })}\n`);
    else if (e.kind === 'warn') write(`${JSON.stringify({ event: 'warn', message: e.message })}\n`);
  };
}

/**
 * Log lines gathered over one turn of the event loop and written together: stderr is
 * written synchronously, and one write per decision costs as much as the Lua vote.
 */
function lineWriter(out: (s: string) => void): { write(line: string): void; flush(): void } {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    out(text);
  };
  return {
    write(line) {
      if (pending.push(line) === 1) setImmediate(flush);
    },
    flush,
  };
}

function stopped(signal: AbortSignal, idleExitSeconds: number | undefined, server: { lastActivity(): number; active(): number }): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
    if (idleExitSeconds === undefined) return;
    const timer = setInterval(() => {
      if (server.active() === 0 && performance.now() - server.lastActivity() > idleExitSeconds * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, Math.min(1000, idleExitSeconds * 250));
    signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  });
}
