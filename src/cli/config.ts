/**
 * `trustix-vote config check`: load a config and every policy it names exactly as
 * serve would, query nothing, and say what was found. The NixOS module runs it on
 * the config it generates, so a bad option fails `nixos-rebuild` instead of serve.
 */
import { parseArgs } from 'node:util';
import { parseConfig, whereIs, type Config, type PolicyConfig } from '../config/config.ts';
import { ConfigError } from '../config/errors.ts';
import { parseSecretKey } from '../nixfmt/index.ts';
import { CHUNK_TIME_LIMIT_MS, DEFAULT_POLICY_SOURCE, DEFAULT_TIME_LIMIT_MS, loadPolicy } from '../vote/policy.ts';
import type { CliIO } from './io.ts';
import { UsageError } from './io.ts';

export const CONFIG_HELP = `Usage: trustix-vote config check FILE

Read the trustix-vote config FILE as serve would: every section and key, every
log's settings (for binary-cache: its URL and public key), and every policy, the
[policy] file and each [policy.NAME] file, loaded into the Lua sandbox and run
until it returns its function. Nothing is queried. Then print a summary of the
logs, the policies with the URL path each is served under, and how serve would run.

The signing key named by [serve] signing-key is checked when this user can read
it. When it cannot (a systemd credential such as
/run/credentials/trustix-vote.service/signing-key is readable by the service
alone), the summary says so and the check still passes; serve itself refuses to
start without a readable key.

Options
  -h, --help   show this help

Exit status
  0  the config and all its policies load
  2  usage error, unreadable file, or a configuration or policy error (the
     message names the file, line, section and key)
`;

export async function runConfig(argv: readonly string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '-h' || sub === '--help') {
    io.stdout(CONFIG_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'check') throw new UsageError(`unknown config subcommand "${sub}" (expected "check")`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    io.stdout(CONFIG_HELP);
    return 0;
  }
  const [file] = positionals;
  if (file === undefined || positionals.length > 1) throw new UsageError('config check needs exactly one FILE');
  const text = io.readFile(file);
  if (text === undefined) throw new ConfigError(file, {}, 'cannot read the file');
  const config = parseConfig(text, file);
  const policies = config.policies.map((p) => ({ ...p, loaded: checkPolicy(io, config, p) }));
  io.stdout(summary(config, policies, signingKeyNote(io, config)));
  return 0;
}

/** Loads one policy as serve does (the default policy is named ''); returns what it loaded. */
function checkPolicy(io: CliIO, config: Config, p: PolicyConfig): string {
  let source = DEFAULT_POLICY_SOURCE;
  if (p.file !== undefined) {
    const text = io.readFile(p.file);
    if (text === undefined) throw new ConfigError(config.file, whereIs(config, p.name === '' ? 'policy' : `policy.${p.name}`, 'file'), `cannot read ${p.file}`);
    source = text;
  }
  const time = { ms: DEFAULT_TIME_LIMIT_MS, now: () => performance.now() };
  const policy = loadPolicy({ source, chunkName: p.file ?? '(default policy)', logs: config.logs.map((l) => ({ name: l.name, weight: l.weight })), time, chunkTimeMs: CHUNK_TIME_LIMIT_MS });
  policy.close();
  return p.file ?? 'built-in strict majority (no [policy] file)';
}

function signingKeyNote(io: CliIO, config: Config): string {
  const file = config.serve.signingKeyFile;
  if (file === undefined) return 'none ([serve] signing-key unset: check works, serve refuses to start)';
  const text = io.readFile(file);
  if (text === undefined) return `${file} (not readable by this user; serve reads it when it starts)`;
  try {
    return `${file} (public key ${parseSecretKey(text.trim()).publicKey.text})`;
  } catch (e) {
    throw new ConfigError(config.file, whereIs(config, 'serve', 'signing-key'), `${file}: ${e instanceof Error ? e.message : e}`);
  }
}

function summary(config: Config, policies: readonly (PolicyConfig & { loaded: string })[], key: string): string {
  const route = (p: PolicyConfig) => (p.name === '' ? '/' : `/policy/${p.name}/`);
  const width = Math.max(...config.logs.map((l) => l.name.length), ...policies.map((p) => route(p).length));
  const pad = (s: string) => s.padEnd(width);
  const lines = [
    `${config.file}: ok`,
    `logs (${config.logs.length}):`,
    ...config.logs.map((l) => `  ${pad(l.name)}  ${[l.kind, `weight ${l.weight}`, l.upstream, keyText(l.settings)].filter(Boolean).join('  ')}`),
    `policies (${policies.length}, loaded):`,
    ...policies.map((p) => `  ${pad(route(p))}  ${p.loaded}`),
    `serve: listen ${config.serve.listen}, mode ${config.serve.mode}, max-connections ${config.serve.maxConnections}${config.serve.narUrls === 'upstream' ? ', nar-urls upstream (Nix fetches NARs from the upstream itself)' : ''}`,
    `  signing key: ${key}`,
    `  upstreams: ${config.upstreams?.join(' ') ?? 'every log'}`,
    `state: ${config.stateDir}`,
    ...(config.publish === undefined ? [] : [`publish: local builds to the log in ${config.publish.stateDir}`]),
    `query: timeout ${config.query.timeoutMs / 1000} s, deadline ${config.query.deadlineMs / 1000} s, ` +
      `concurrency ${config.query.concurrency}, per log ${config.query.perLog}, retries ${config.query.retries}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** A kind's public key, when its settings hold one (binary-cache: `key`). */
function keyText(settings: unknown): string | undefined {
  const key = (settings as { key?: { text?: unknown } } | null)?.key;
  return typeof key?.text === 'string' ? key.text : undefined;
}
