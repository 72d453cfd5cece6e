/**
 * What `check` and `serve` share: the configuration (a file, or the machine's
 * nix.conf), the policy (loaded and checked before any query), the logs and the engine.
 */
import { join } from 'node:path';
import pLimit from 'p-limit';
import { parseConfig, DEFAULT_QUERY, DEFAULT_SERVE, type Config } from '../config/config.ts';
import { ConfigError } from '../config/errors.ts';
import { logsFromNixConf, parseNixConf } from '../config/nixconf.ts';
import { createEngine, type Engine } from '../engine/engine.ts';
import { createHostOps, type HostOps } from '../host/ops.ts';
import { createCacheLog } from '../logs/cache/source.ts';
import type { LogSource } from '../logs/types.ts';
import type { LogEvent } from '../ops.ts';
import { DEFAULT_POLICY_SOURCE, loadPolicy, type Policy } from '../vote/policy.ts';
import type { CliIO } from './io.ts';

export interface Setup {
  readonly config: Config;
  readonly policy: Policy;
  readonly logs: readonly LogSource[];
  readonly engine: Engine;
  readonly ops: HostOps;
}

export function loadConfig(io: CliIO, configFile: string | undefined): Config {
  if (configFile !== undefined) {
    const text = io.readFile(configFile);
    if (text === undefined) throw new ConfigError(configFile, {}, 'cannot read the file');
    return parseConfig(text, configFile);
  }
  return configFromNixConf(io);
}

function configFromNixConf(io: CliIO): Config {
  const dir = io.env['NIX_CONF_DIR'] ?? '/etc/nix';
  const files = [join(dir, 'nix.conf')];
  const home = io.env['HOME'];
  const xdg = io.env['XDG_CONFIG_HOME'] ?? (home !== undefined ? join(home, '.config') : undefined);
  if (io.env['NIX_USER_CONF_FILES'] !== undefined) files.push(...io.env['NIX_USER_CONF_FILES'].split(':'));
  else if (xdg !== undefined) files.push(join(xdg, 'nix', 'nix.conf'));
  const settings = new Map<string, string>();
  for (const f of files) {
    const text = io.readFile(f);
    if (text !== undefined) parseNixConf(text, f, io.readFile, settings);
  }
  if (io.env['NIX_CONFIG'] !== undefined) parseNixConf(io.env['NIX_CONFIG'], '$NIX_CONFIG', io.readFile, settings);
  const where = files.concat('$NIX_CONFIG').join(', ');
  const { logs, skipped } = logsFromNixConf(settings, where);
  for (const s of skipped) io.stderr(`trustix-vote: nix.conf substituter skipped: ${s}\n`);
  if (logs.length === 0) {
    throw new ConfigError(where, { key: 'substituters' },
      'no substituter with a matching trusted-public-keys entry; write a config file and pass --config');
  }
  return { file: where, query: DEFAULT_QUERY, logs, serve: DEFAULT_SERVE };
}

export function setup(io: CliIO, opts: { config: Config; policyFile?: string; onEvent?: (e: LogEvent) => void; verifyOnWorker?: boolean }): Setup {
  const { config } = opts;
  const policyFile = opts.policyFile ?? config.policyFile;
  let source = DEFAULT_POLICY_SOURCE;
  let chunkName = '(default policy: strict majority)';
  if (policyFile !== undefined) {
    const text = io.readFile(policyFile);
    if (text === undefined) throw new ConfigError(config.file, { section: 'policy', key: 'file' }, `cannot read ${policyFile}`);
    source = text;
    chunkName = policyFile;
  }
  const infos = config.logs.map((l) => ({ name: l.name, weight: l.weight }));
  const policy = loadPolicy({ source, chunkName, logs: infos });
  const ops = createHostOps({ connections: config.query.perLog, connectTimeoutMs: config.query.timeoutMs, verifyOnWorker: opts.verifyOnWorker === true, ...(opts.onEvent && { onEvent: opts.onEvent }) });
  const global = pLimit(config.query.concurrency);
  const limits = { ...config.query, global: <T>(fn: () => Promise<T>) => global(fn) };
  const logs = config.logs.map((l) => createCacheLog(l, limits, ops, ops.verify));
  const engine = createEngine({ logs, policy, ops });
  return { config, policy, logs, engine, ops };
}
