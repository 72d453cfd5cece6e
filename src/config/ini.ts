/**
 * INI reading for trustix-vote's config. `ini` does the value unquoting and comment
 * stripping; a first pass over the lines adds what a config file needs and `ini`
 * does not do: line numbers, refusal of repeated sections and keys, of bare words,
 * and section names that keep their dots (`[log.cache.nixos.org]`).
 */
import { parse } from 'ini';
import { ConfigError } from './errors.ts';

export interface IniSection {
  readonly name: string;
  readonly line: number;
  readonly values: ReadonlyMap<string, { readonly value: string; readonly line: number }>;
}

const SECTION = /^\s*\[([^\]]*)\]\s*$/;
const COMMENT = /^\s*([;#].*)?$/;

export function readIni(text: string, file: string): IniSection[] {
  const sections: IniSection[] = [];
  const seen = new Set<string>();
  let current: { name: string; line: number; values: Map<string, { value: string; line: number }> } | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (COMMENT.test(raw)) return;
    const header = SECTION.exec(raw);
    if (header) {
      const name = (header[1] ?? '').trim();
      if (name === '') throw new ConfigError(file, { line }, 'empty section name');
      if (seen.has(name)) throw new ConfigError(file, { line, section: name }, 'section given twice');
      seen.add(name);
      current = { name, line, values: new Map() };
      sections.push(current);
      return;
    }
    const eq = raw.indexOf('=');
    if (eq < 0) throw new ConfigError(file, { line }, `expected "key = value", got "${raw.trim()}"`);
    if (current === undefined) throw new ConfigError(file, { line }, 'a key before any [section]');
    const key = raw.slice(0, eq).trim();
    if (current.values.has(key)) throw new ConfigError(file, { line, section: current.name, key }, 'key given twice');
    const value = parse(`v = ${raw.slice(eq + 1)}`)['v'];
    current.values.set(key, { value: typeof value === 'string' ? value : String(value ?? ''), line });
  });
  return sections;
}
