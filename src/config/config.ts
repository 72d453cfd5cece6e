/**
 * trustix-vote's configuration file:
 *
 *   [policy]
 *   file = ./policy.lua          ; optional, relative to this file
 *   [policy.strict]              ; a named policy, served under /policy/strict/
 *   file = ./strict.lua
 *   [state]
 *   dir = /var/lib/trustix-vote  ; what must survive a restart: the journal, the build queue
 *   keep-days = 90               ; journal rows older than this are pruned (evidence never is)
 *   journal = on                 ; off: record nothing (no why/report/evidence, no kind = local)
 *   drain-every = 60             ; seconds between serve's runs over the build queue (0: never)
 *   [query]
 *   timeout = 5                  ; seconds per request
 *   deadline = 60                ; seconds per run
 *   [log.cache-a]
 *   kind = binary-cache          ; a kind from logs/registry.ts, which reads its own keys
 *   url = http://127.0.0.1:8081
 *   key = cache-a-1:BASE64=
 *   weight = 1                   ; optional
 *   trusted-until = 2026-10-01T00:00:00Z  ; optional: only claims first seen before count
 *
 * Every key is checked; an unknown one is an error, so a typo never silently
 * weakens a policy. Every error names the file, line, section and key.
 */
import { dirname, resolve } from 'node:path';
import { LOG_KINDS, type LogConfig, type Registry } from '../logs/index.ts';
import { cacheUrl } from '../logs/index.ts';
import { ConfigError } from './errors.ts';
import { readIni, type IniSection } from './ini.ts';
import { Reader } from './reader.ts';

export type { LogConfig } from '../logs/index.ts';

/** A policy file, or the built-in strict majority when `file` is absent; the default policy is named ''. */
export interface PolicyConfig {
  readonly name: string;
  readonly file?: string;
}

export interface QueryConfig {
  readonly timeoutMs: number;
  readonly deadlineMs: number;
  readonly concurrency: number;
  readonly perLog: number;
  readonly retries: number;
}

export interface ServeConfig {
  readonly listen: string;
  readonly signingKeyFile?: string;
  readonly mode: 'enforce' | 'report';
  readonly priority: number;
  readonly cacheSize: number;
  readonly cacheTtlMs: number;
  /** Open client connections at most (serve --max-connections overrides it). */
  readonly maxConnections: number;
  /**
   * Where a served narinfo's URL points: serve's own nar/ route (NAR bytes checked
   * against the upstream's FileHash as they pass, a bad upstream replaced on Nix's
   * retry), or straight at the upstream holding the winning NarHash (opt-in: serve
   * never sees the bytes; Nix checks the voted NarHash itself).
   */
  readonly narUrls: 'serve' | 'upstream';
}

/** `[state]`'s journal keys. */
export interface JournalConfig {
  readonly enabled: boolean;
  readonly keepDays: number;
  /** Milliseconds between serve's drains of the build queue; 0 never. */
  readonly drainEveryMs: number;
}

export interface Config {
  readonly file: string;
  /** The default policy first, then the named ones in file order. */
  readonly policies: readonly PolicyConfig[];
  readonly stateDir: string;
  readonly journal: JournalConfig;
  readonly query: QueryConfig;
  readonly logs: readonly LogConfig[];
  readonly serve: ServeConfig;
  readonly upstreams?: readonly string[];
  /** `[publish] state`: our own log (`trustix-vote log init`) the drain appends this machine's builds to. */
  readonly publish?: { readonly stateDir: string };
  /**
   * Where each section and key was given, for errors found after parsing (a policy file
   * that cannot be read): 'serve' → its header's line, 'serve signing-key' → the key's.
   */
  readonly lines?: ReadonlyMap<string, number>;
}

/** The place of a key in the config file, for a ConfigError: its line, else its section's. */
export function whereIs(config: Config, section: string, key: string): { section: string; key: string; line?: number } {
  const line = config.lines?.get(`${section} ${key}`) ?? config.lines?.get(section);
  return { section, key, ...(line !== undefined && { line }) };
}

export const DEFAULT_STATE_DIR = '/var/lib/trustix-vote';
export const DEFAULT_JOURNAL: JournalConfig = { enabled: true, keepDays: 90, drainEveryMs: 60_000 };
export const DEFAULT_QUERY: QueryConfig = { timeoutMs: 5_000, deadlineMs: 60_000, concurrency: 128, perLog: 32, retries: 2 };
export const DEFAULT_SERVE: ServeConfig = {
  listen: '127.0.0.1:37515',
  mode: 'enforce',
  priority: 30,
  cacheSize: 100_000,
  cacheTtlMs: 600_000,
  maxConnections: 1024,
  narUrls: 'serve',
};

const SECTION_KEYS = {
  policy: ['file'],
  state: ['dir', 'keep-days', 'journal', 'drain-every'],
  query: ['timeout', 'deadline', 'concurrency', 'per-log', 'retries'],
  serve: ['signing-key', 'listen', 'mode', 'priority', 'cache-size', 'cache-ttl', 'max-connections', 'nar-urls'],
  upstream: ['urls'],
  publish: ['state'],
} as const;
/** The keys every log has, before its kind's own. */
const LOG_KEYS = ['kind', 'weight', 'trusted-until'];

/** `file` is used for messages and to resolve relative paths; `text` is its content. */
export function parseConfig(text: string, file: string, registry: Registry = LOG_KINDS): Config {
  const sections = readIni(text, file);
  const get = (name: string) => sections.find((s) => s.name === name);
  for (const s of sections) {
    if (!/^(policy|query|serve|upstream|state|publish|log\..+|policy\..+)$/.test(s.name)) {
      throw new ConfigError(file, { section: s.name, line: s.line }, 'unknown section (expected policy, policy.NAME, query, serve, upstream, state, publish or log.NAME)');
    }
  }
  const base = dirname(resolve(file));
  const policies = [policyOf(file, '', get('policy'), base)];
  for (const s of sections.filter((x) => x.name.startsWith('policy.'))) policies.push(policyOf(file, checkName(file, s, 'policy.'), s, base));
  const st = new Reader(file, get('state'), SECTION_KEYS.state);
  const stateDir = st.optional('dir', (v) => resolve(base, v)) ?? DEFAULT_STATE_DIR;
  const journal: JournalConfig = {
    enabled: st.optional('journal', onOff) ?? DEFAULT_JOURNAL.enabled,
    keepDays: st.number('keep-days', DEFAULT_JOURNAL.keepDays, 1, 36_500),
    drainEveryMs: st.number('drain-every', DEFAULT_JOURNAL.drainEveryMs / 1000, 0, 86_400) * 1000,
  };
  st.done();
  const q = new Reader(file, get('query'), SECTION_KEYS.query);
  const query: QueryConfig = {
    timeoutMs: q.number('timeout', DEFAULT_QUERY.timeoutMs / 1000, 0.001, 3600) * 1000,
    deadlineMs: q.number('deadline', DEFAULT_QUERY.deadlineMs / 1000, 0.001, 86400) * 1000,
    concurrency: q.integer('concurrency', DEFAULT_QUERY.concurrency, 1, 4096),
    perLog: q.integer('per-log', DEFAULT_QUERY.perLog, 1, 1024),
    retries: q.integer('retries', DEFAULT_QUERY.retries, 0, 10),
  };
  q.done();
  const logs = sections.filter((s) => s.name.startsWith('log.')).map((s) => parseLog(file, s, registry));
  if (logs.length === 0) throw new ConfigError(file, {}, 'no [log.NAME] section: configure at least one log to vote');
  checkDistinctKeys(file, logs, sections);
  const serve = parseServe(file, get('serve'), base);
  const up = new Reader(file, get('upstream'), SECTION_KEYS.upstream);
  const upstreams = up.optional('urls', (v) => v.split(/[\s,]+/).filter(Boolean).map(cacheUrl));
  up.done();
  const pub = new Reader(file, get('publish'), SECTION_KEYS.publish);
  const publishDir = get('publish') === undefined ? undefined : pub.required('state', (v) => resolve(base, v));
  pub.done();
  return {
    file,
    policies,
    stateDir,
    journal,
    query,
    logs,
    serve,
    ...(upstreams !== undefined && { upstreams }),
    ...(publishDir !== undefined && { publish: { stateDir: publishDir } }),
    lines: linesOf(sections),
  };
}

function linesOf(sections: readonly IniSection[]): Map<string, number> {
  const lines = new Map<string, number>();
  for (const s of sections) {
    lines.set(s.name, s.line);
    for (const [key, { line }] of s.values) lines.set(`${s.name} ${key}`, line);
  }
  return lines;
}

function checkName(file: string, s: IniSection, prefix: string): string {
  const name = s.name.slice(prefix.length);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
    throw new ConfigError(file, { section: s.name, line: s.line }, `a ${prefix.slice(0, -1)} name may hold letters, digits, ".", "_" and "-" (at most 64)`);
  }
  return name;
}

/** An RFC 3339 instant with its zone (`2026-10-01T00:00:00Z`), as ms since the epoch. */
function instant(v: string): number {
  // eslint-disable-next-line no-restricted-globals -- parses a date; reads no clock
  const t = Date.parse(v);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(v) || Number.isNaN(t)) {
    throw new Error(`expected an RFC 3339 instant with its zone, like 2026-10-01T00:00:00Z, got "${v}"`);
  }
  return t;
}

function policyOf(file: string, name: string, s: IniSection | undefined, base: string): PolicyConfig {
  const r = new Reader(file, s, SECTION_KEYS.policy);
  const policyFile = r.optional('file', (v) => resolve(base, v));
  r.done();
  if (name !== '' && policyFile === undefined) throw new ConfigError(file, { section: `policy.${name}`, ...(s && { line: s.line }), key: 'file' }, 'missing: a named policy needs its Lua file');
  return { name, ...(policyFile !== undefined && { file: policyFile }) };
}

/** The keys every log has; the kind (logs/registry.ts) reads the rest. */
function parseLog(file: string, s: IniSection, registry: Registry): LogConfig {
  const name = checkName(file, s, 'log.');
  // Known keys are checked before `kind` is read, so a mistyped `kind` is an unknown key
  // too; but an unknown kind is told as that, before the keys only it would know.
  const kindValue = s.values.get('kind')?.value;
  const given = kindValue === undefined ? undefined : registry.get(kindValue);
  const known = given !== undefined ? [...LOG_KEYS, ...given.keys]
    : kindValue !== undefined ? [...s.values.keys()]
    : [...new Set([...LOG_KEYS, ...[...registry.values()].flatMap((k) => k.keys)])];
  const r = new Reader(file, s, known);
  const kindName = r.required('kind', (v) => {
    if (!registry.has(v)) throw new Error(`unknown kind "${v}" (supported: ${[...registry.keys()].join(', ')})`);
    return v;
  });
  const kind = registry.get(kindName);
  if (kind === undefined) throw new TypeError('unreachable');
  const weight = r.number('weight', 1, 0, 1e6);
  const trustedUntil = r.optional('trusted-until', instant);
  const own = kind.parse(r);
  r.done();
  return { name, kind: kindName, weight, ...(trustedUntil !== undefined && { trustedUntil }), ...own };
}

function onOff(v: string): boolean {
  if (v === 'on' || v === 'true') return true;
  if (v === 'off' || v === 'false') return false;
  throw new Error(`expected "on" or "off", got "${v}"`);
}

function parseServe(file: string, s: IniSection | undefined, base: string): ServeConfig {
  const r = new Reader(file, s, SECTION_KEYS.serve);
  const signingKeyFile = r.optional('signing-key', (v) => resolve(base, v));
  const serve: ServeConfig = {
    listen: r.optional('listen', (v) => {
      if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(v)) throw new Error(`expected HOST:PORT, got "${v}"`);
      return v;
    }) ?? DEFAULT_SERVE.listen,
    mode: r.optional('mode', (v) => {
      if (v !== 'enforce' && v !== 'report') throw new Error('expected "enforce" or "report"');
      return v;
    }) ?? DEFAULT_SERVE.mode,
    priority: r.integer('priority', DEFAULT_SERVE.priority, 0, 1000),
    cacheSize: r.integer('cache-size', DEFAULT_SERVE.cacheSize, 0, 10_000_000),
    cacheTtlMs: r.number('cache-ttl', DEFAULT_SERVE.cacheTtlMs / 1000, 0, 30 * 86400) * 1000,
    maxConnections: r.integer('max-connections', DEFAULT_SERVE.maxConnections, 1, 1_000_000),
    narUrls: r.optional('nar-urls', (v) => {
      if (v !== 'serve' && v !== 'upstream') throw new Error('expected "serve" or "upstream"');
      return v;
    }) ?? DEFAULT_SERVE.narUrls,
    ...(signingKeyFile !== undefined && { signingKeyFile }),
  };
  r.done();
  return serve;
}

function checkDistinctKeys(file: string, logs: readonly LogConfig[], sections: readonly IniSection[]): void {
  const byKey = new Map<string, string>();
  for (const log of logs) {
    // The same key under another name is still the same builder.
    const raw = Buffer.from(log.identity).toString('base64');
    const other = byKey.get(raw);
    if (other !== undefined) {
      const s = sections.find((x) => x.name === `log.${log.name}`);
      const line = s?.values.get('key')?.line ?? s?.line;
      throw new ConfigError(file, { section: `log.${log.name}`, key: 'key', ...(line !== undefined && { line }) },
        `logs "${other}" and "${log.name}" have the same key: they are one builder, not two votes`);
    }
    byKey.set(raw, log.name);
  }
}
