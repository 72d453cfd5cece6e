/**
 * What `check` and `serve` share: the configuration (a file, or the machine's
 * nix.conf), the policies (a policy file is loaded and checked here before any query,
 * then runs on a worker thread of its own), the logs and the engine.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { parseConfig, whereIs, DEFAULT_QUERY, DEFAULT_SERVE, DEFAULT_STATE_DIR, DEFAULT_JOURNAL, type Config, type PolicyConfig } from '../config/config.ts';
import { ConfigError } from '../config/errors.ts';
import { logsFromNixConf, parseNixConf, settingsFromNixJson } from '../config/nixconf.ts';
import { createEngine, type Engine, type NamedPolicy } from '../engine/engine.ts';
import { tee, type Observer } from '../engine/observer.ts';
import { nixEffectiveSettings } from '../host/nix.ts';
import { createHostOps, type HostOps } from '../host/ops.ts';
import { createFileState } from '../host/state.ts';
import { createGate } from '../journal/gate.ts';
import type { Journal } from '../journal/journal.ts';
import type { Source } from '../journal/rows.ts';
import { createSources, LOG_KINDS, type LogSource, type Registry } from '../logs/index.ts';
import type { LogEvent } from '../ops.ts';
import { startPolicyWorker } from '../host/policy-worker.ts';
import { defaultPolicy } from '../vote/default-policy.ts';
import type { CliIO } from './io.ts';

export interface Setup {
  readonly config: Config;
  /** The default policy (named '') first, then the named ones. */
  readonly policies: readonly NamedPolicy[];
  readonly logs: readonly LogSource[];
  readonly engine: Engine;
  readonly ops: HostOps;
  /** Undefined when not asked for, switched off, or not writable (said once on stderr). */
  readonly journal: Journal | undefined;
  close(): Promise<void>;
}

export const JOURNAL_FILE = 'journal.sqlite';

export function loadConfig(io: CliIO, configFile: string | undefined, registry: Registry = LOG_KINDS): Config {
  if (configFile !== undefined) {
    const text = io.readFile(configFile);
    if (text === undefined) throw new ConfigError(configFile, {}, 'cannot read the file');
    return parseConfig(text, configFile, registry);
  }
  return configFromNixConf(io);
}

function configFromNixConf(io: CliIO): Config {
  // The settings Nix itself uses, built-in defaults included; nix.conf files only without nix.
  const fromNix = nixEffectiveSettings(io.env);
  if ('unavailable' in fromNix && fromNix.installed) io.stderr(`trustix-vote: reading nix.conf files, as Nix did not say its settings: ${fromNix.unavailable}\n`);
  const dir = io.env['NIX_CONF_DIR'] ?? '/etc/nix';
  const files = [join(dir, 'nix.conf')];
  const home = io.env['HOME'];
  const xdg = io.env['XDG_CONFIG_HOME'] ?? (home !== undefined ? join(home, '.config') : undefined);
  if (io.env['NIX_USER_CONF_FILES'] !== undefined) files.push(...io.env['NIX_USER_CONF_FILES'].split(':'));
  else if (xdg !== undefined) files.push(join(xdg, 'nix', 'nix.conf'));
  let settings = new Map<string, string>();
  let where = files.concat('$NIX_CONFIG').join(', ');
  if ('json' in fromNix) {
    settings = settingsFromNixJson(fromNix.json, fromNix.command);
    where = `Nix's settings (${fromNix.command})`;
  } else {
    for (const f of files) {
      const text = io.readFile(f);
      if (text !== undefined) parseNixConf(text, f, io.readFile, settings);
    }
    if (io.env['NIX_CONFIG'] !== undefined) parseNixConf(io.env['NIX_CONFIG'], '$NIX_CONFIG', io.readFile, settings);
  }
  const { logs, skipped } = logsFromNixConf(settings, where);
  for (const s of skipped) io.stderr(`trustix-vote: nix.conf substituter skipped: ${s}\n`);
  if (logs.length === 0) {
    throw new ConfigError(where, { key: 'substituters' },
      'no substituter with a matching trusted-public-keys entry; write a config file and pass --config');
  }
  return { file: where, policies: [{ name: '' }], stateDir: DEFAULT_STATE_DIR, journal: DEFAULT_JOURNAL, query: DEFAULT_QUERY, logs, serve: DEFAULT_SERVE };
}

export interface SetupOptions {
  readonly config: Config;
  /** A policy file from the command line: replaces the default policy. */
  readonly policyFile?: string;
  readonly onEvent?: (e: LogEvent) => void;
  readonly verifyOnWorker?: boolean;
  /** node:http and no undici for a run's first requests (host/ops.ts): check, which may be small. */
  readonly startSmall?: boolean;
  readonly observer?: Observer;
  readonly registry?: Registry;
  /** Record in the journal under [state] dir, as this source. */
  readonly journal?: Source;
}

/**
 * Loads every policy (a policy file's errors come before any query) and makes the logs
 * and the engine. The Lua sandbox is loaded only for a policy file: the default policy
 * runs in JS (vote/default-policy.ts), which keeps fengari out of a small check's start.
 */
export async function setup(io: CliIO, opts: SetupOptions): Promise<Setup> {
  const { config } = opts;
  const infos = config.logs.map((l) => ({ name: l.name, weight: l.weight }));
  const policies: NamedPolicy[] = [];
  try {
    for (const p of config.policies) {
      const fromArgs = p.name === '' ? opts.policyFile : undefined;
      const lua = policySource(io, config, p, fromArgs);
      if (lua === undefined) {
        policies.push({ name: p.name, policy: defaultPolicy(infos) });
        continue;
      }
      // Loaded here first, so that a policy that does not load is an error before anything
      // is queried; then it runs on a worker thread of its own, which loads it again.
      const { CHUNK_TIME_LIMIT_MS, DEFAULT_TIME_LIMIT_MS, loadPolicy } = await import('../vote/policy.ts');
      loadPolicy({ ...lua, logs: infos, time: { ms: DEFAULT_TIME_LIMIT_MS, now: () => performance.now() }, chunkTimeMs: CHUNK_TIME_LIMIT_MS }).close();
      policies.push({ name: p.name, policy: startPolicyWorker({ ...lua, logs: infos }) });
    }
  } catch (e) {
    await Promise.all(policies.map((p) => p.policy.close()));
    throw e;
  }
  // On SIGINT/SIGTERM a policy deep in a long run is stopped, not waited for.
  const stopPolicies = () => Promise.all(policies.map((p) => p.policy.close()));
  io.signal.addEventListener('abort', () => void stopPolicies(), { once: true });
  const ops = createHostOps({ connections: config.query.perLog, connectTimeoutMs: config.query.timeoutMs, verifyOnWorker: opts.verifyOnWorker === true, startSmall: opts.startSmall === true, ...(opts.onEvent && { onEvent: opts.onEvent }) });
  const global = pLimit(config.query.concurrency);
  const limits = { ...config.query, global: <T>(fn: () => Promise<T>) => global(fn) };
  const journal = opts.journal === undefined ? undefined : await openJournalFor(io, config, opts.journal, opts.onEvent);
  const ctx = {
    ops, verify: ops.verify, timeoutMs: config.query.timeoutMs, state: createFileState(config.stateDir),
    ...(journal !== undefined && { localBuilds: { latest: (hp: string) => journal.latestBuild(hp) } }),
  };
  const logs = createSources(config.logs, ctx, limits, opts.registry);
  const observers: Observer[] = [];
  if (opts.observer !== undefined) observers.push(opts.observer);
  if (journal !== undefined) observers.push(journal);
  const observer = observers.length === 1 ? observers[0] : observers.length > 1
    ? tee(observers, (e) => opts.onEvent?.({ kind: 'warn', message: `observer failed: ${e instanceof Error ? e.message : String(e)}` }))
    : undefined;
  const gate = createGate(config.logs, journal);
  const engine = createEngine({ logs, ops, ...(observer && { observer }), ...(gate && { gate }) });
  return {
    config, policies, logs, engine, ops, journal,
    async close() {
      await stopPolicies();
      journal?.close();
      await ops.close();
    },
  };
}

/** The journal, or undefined after saying once why not: nothing is recorded, everything else goes on. */
async function openJournalFor(io: CliIO, config: Config, source: Source, onEvent: ((e: LogEvent) => void) | undefined): Promise<Journal | undefined> {
  if (!config.journal.enabled) return undefined;
  // check records into a state directory serve or a drain made; it never creates one
  // (a casual check, in nix.conf mode say, leaves no /var/lib/trustix-vote behind).
  if (source === 'check' && !existsSync(config.stateDir)) return undefined;
  const warn = (message: string) => (onEvent ? onEvent({ kind: 'warn', message }) : io.stderr(`trustix-vote: ${message}\n`));
  try {
    // Loaded only here: SQLite is no part of a check that records nothing.
    const { openJournal } = await import('../journal/journal.ts');
    return openJournal({
      file: join(config.stateDir, JOURNAL_FILE), logs: config.logs, source, keepDays: config.journal.keepDays,
      // serve never waits long for another writer: its rows stay queued for the next try.
      busyMs: source === 'serve' ? 20 : 5000,
      warn,
      alarm: (message) => {
        io.stderr(`\n*** trustix-vote: ${message} ***\n\n`);
        onEvent?.({ kind: 'warn', message });
      },
    });
  } catch (e) {
    warn(`${e instanceof Error ? e.message : String(e)}; going on without a journal (nothing is recorded)`);
    return undefined;
  }
}

/**
 * A policy's Lua text and the name messages give it; a file named on the command line
 * wins. Undefined for the default policy.
 */
function policySource(io: CliIO, config: Config, p: PolicyConfig, fromArgs: string | undefined): { source: string; chunkName: string } | undefined {
  const file = fromArgs ?? p.file;
  if (file === undefined) return undefined;
  const text = io.readFile(file);
  if (text === undefined) {
    if (fromArgs !== undefined) throw new ConfigError(file, {}, 'cannot read the policy file given by --policy');
    throw new ConfigError(config.file, whereIs(config, p.name === '' ? 'policy' : `policy.${p.name}`, 'file'), `cannot read ${file}`);
  }
  return { source: text, chunkName: file };
}
