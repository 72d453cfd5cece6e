/**
 * Zero-setup mode: the logs come from the machine's Nix settings (as the local Nix
 * reports them, defaults included; read from nix.conf when there is no nix). Every substituter whose
 * trusted public key can be matched to it by name ("cache.nixos.org-1" ↔
 * https://cache.nixos.org) becomes one binary-cache log named after its host.
 *
 * nix.conf is `key = value` lines, `#` comments, `include FILE` / `!include FILE`
 * (the latter silent when FILE is absent), and `extra-KEY` appending to KEY.
 */
import { dirname, resolve } from 'node:path';
import { parse } from 'ini';
import { isNixFormatError, parseNixConfigJson, parsePublicKey, settingStrings, type PublicKey } from '../nixfmt/index.ts';
import { binaryCache, type LogConfig } from '../logs/index.ts';
import { ConfigError } from './errors.ts';

export type ReadFile = (path: string) => string | undefined;

export function parseNixConf(text: string, file: string, read: ReadFile, into = new Map<string, string>(), depth = 0): Map<string, string> {
  if (depth > 16) throw new ConfigError(file, {}, 'includes nest more than 16 deep');
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const include = /^(!?)include\s+(.+)$/.exec(line);
    if (include) {
      const path = resolve(dirname(file), (include[2] ?? '').trim());
      const sub = read(path);
      if (sub === undefined) {
        if (include[1] === '!') return;
        throw new ConfigError(file, { line: i + 1 }, `included file ${path} cannot be read`);
      }
      parseNixConf(sub, path, read, into, depth + 1);
      return;
    }
    const kv = parse(line) as Record<string, unknown>;
    for (const [k, v] of Object.entries(kv)) {
      const key = k.trim();
      const value = typeof v === 'string' ? v.trim() : '';
      const extra = /^extra-(.+)$/.exec(key)?.[1];
      if (extra !== undefined) into.set(extra, [into.get(extra), value].filter(Boolean).join(' '));
      else into.set(key, value);
    }
  });
  return into;
}

/**
 * The settings a log needs from Nix's effective settings, `nix config show --json` (and
 * `nix show-config --json` before it; parsed in nixfmt/nixconfig.ts): built-in defaults
 * and every configuration source already merged. Lists become the space-separated text
 * nix.conf would hold, so `logsFromNixConf` reads both alike.
 */
export function settingsFromNixJson(json: string, source: string): Map<string, string> {
  const into = new Map<string, string>();
  try {
    const settings = parseNixConfigJson(json);
    for (const key of ['substituters', 'trusted-public-keys']) {
      const words = settingStrings(settings, key);
      if (words !== undefined) into.set(key, words.join(' '));
    }
  } catch (e) {
    if (isNixFormatError(e)) throw new ConfigError(source, {}, e.message, { cause: e });
    throw e;
  }
  return into;
}

export interface NixConfLogs {
  readonly logs: LogConfig[];
  readonly skipped: string[];
}

export function logsFromNixConf(settings: ReadonlyMap<string, string>, file: string): NixConfLogs {
  const words = (k: string) => (settings.get(k) ?? '').split(/\s+/).filter(Boolean);
  const keys: PublicKey[] = [];
  for (const k of words('trusted-public-keys')) {
    try {
      keys.push(parsePublicKey(k));
    } catch (e) {
      throw new ConfigError(file, { key: 'trusted-public-keys' }, `"${k}": ${e instanceof Error ? e.message : e}`);
    }
  }
  const logs: LogConfig[] = [];
  const skipped: string[] = [];
  const keyed: { url: string; key: PublicKey }[] = [];
  for (const sub of words('substituters')) {
    let url: URL;
    try {
      url = new URL(sub);
    } catch {
      skipped.push(`${sub}: not a URL`);
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      skipped.push(`${sub}: only http(s) binary caches can be asked`);
      continue;
    }
    const key = keys.find((k) => k.name.replace(/-\d+$/, '') === url.hostname) ?? (keys.length === 1 && words('substituters').length === 1 ? keys[0] : undefined);
    if (key === undefined) {
      skipped.push(`${sub}: no trusted-public-keys entry named ${url.hostname}-N`);
      continue;
    }
    const base = sub.replace(/\?.*$/, '').replace(/\/+$/, '');
    if (logs.some((l) => l.upstream === base)) continue; // listed twice: still one substituter
    // The same key bytes under another name are still the same builder (as in config.ts).
    const same = keyed.find((k) => Buffer.from(k.key.raw).equals(key.raw));
    if (same !== undefined) {
      const names = same.key.name === key.name ? `key ${key.name}` : `one key, named ${same.key.name} and ${key.name}`;
      throw new ConfigError(file, { key: 'trusted-public-keys' },
        `substituters ${same.url} and ${base} sign with ${names}: they are one builder, not two votes (write a config file with one log for them and pass --config)`);
    }
    keyed.push({ url: base, key });
    const name = logs.some((l) => l.name === url.hostname) ? `${url.hostname}_${url.port}` : url.hostname;
    logs.push({ name, kind: binaryCache.kind, weight: 1, settings: { url: base, key }, identity: key.raw, upstream: base });
  }
  return { logs, skipped };
}
