/**
 * Reads one section's keys for config.ts and the log kinds. The section's known keys
 * are checked before any value is read, so a typo is reported as what it is, at its
 * own line, with the key it was probably meant to be:
 *
 *   [log.cache-a]
 *   kind = binary-cache
 *   urll = http://127.0.0.1:8081   → conf.ini:3 [log.cache-a] urll: unknown key (did you mean url?)
 *
 * rather than as `url: missing` at the section's header.
 */
import type { KeyReader } from '../logs/index.ts';
import { ConfigError } from './errors.ts';
import type { IniSection } from './ini.ts';

export class Reader implements KeyReader {
  private readonly used = new Set<string>();

  constructor(private readonly file: string, private readonly section: IniSection | undefined, known: readonly string[]) {
    for (const [key, { line }] of section?.values ?? []) {
      if (!known.includes(key)) throw this.error(key, line, unknownKey(key, known));
    }
  }

  optional<T>(key: string, conv: (v: string) => T): T | undefined {
    const entry = this.section?.values.get(key);
    if (entry === undefined) return undefined;
    this.used.add(key);
    try {
      return conv(entry.value);
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      throw this.error(key, entry.line, e instanceof Error ? e.message : String(e), e);
    }
  }

  required<T>(key: string, conv: (v: string) => T): T {
    const v = this.optional(key, conv);
    if (v === undefined) throw this.error(key, this.section?.line, 'missing');
    return v;
  }

  number(key: string, dflt: number, min: number, max: number): number {
    return this.optional(key, (v) => {
      const n = Number(v);
      if (!/^\s*\d+(\.\d+)?\s*$/.test(v) || n < min || n > max) throw new Error(`expected a number from ${min} to ${max}, got "${v}"`);
      return n;
    }) ?? dflt;
  }

  integer(key: string, dflt: number, min: number, max: number): number {
    const n = this.number(key, dflt, min, max);
    if (!Number.isInteger(n)) throw this.error(key, this.section?.values.get(key)?.line, `expected a whole number, got ${n}`);
    return n;
  }

  /** Every key given was read: a known key nobody reads is a bug here, not a typo there. */
  done(): void {
    for (const [key, { line }] of this.section?.values ?? []) {
      if (!this.used.has(key)) throw this.error(key, line, 'unknown key');
    }
  }

  private error(key: string, line: number | undefined, message: string, cause?: unknown): ConfigError {
    return new ConfigError(this.file, { section: this.section?.name ?? '?', key, ...(line !== undefined && { line }) }, message, { cause });
  }
}

/** "unknown key (did you mean url?)", or the keys the section takes when none is close. */
export function unknownKey(key: string, known: readonly string[]): string {
  const near = nearest(key, known);
  if (near !== undefined) return `unknown key (did you mean ${near}?)`;
  return known.length === 0 ? 'unknown key' : `unknown key (this section takes ${known.join(', ')})`;
}

/** The known key a typo most likely meant: at most 2 edits away, or one is the start of the other. */
function nearest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const k = key.toLowerCase();
  for (const candidate of known) {
    const d = distance(k, candidate);
    const close = d <= Math.min(2, Math.max(1, Math.floor(candidate.length / 3))) || (Math.min(k.length, candidate.length) >= 3 && (k.startsWith(candidate) || candidate.startsWith(k)));
    if (close && d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** Levenshtein distance, with a swap of two neighbours counted as one edit. */
function distance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    const prev = rows[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = d;
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}
