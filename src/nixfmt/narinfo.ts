/**
 * narinfo: the per-path metadata file of a binary cache (<hash part>.narinfo).
 *
 * One "Key: value" per line, every line ending in "\n". Nix (libstore/nar-info.cc)
 * writes the keys in this order; StorePath is a full path, References (space
 * separated, possibly empty) and Deriver are base names; Sig may repeat.
 * Example, recorded from `nix copy --to file://…` with Nix 2.8:
 *
 *   StorePath: /nix/store/2mk5hy75x2b25h13pfppmk1padmmaw32-nixfmt-top
 *   URL: nar/1xzayav35l9gcyxdjpxnls63fg4njbkq8r0rigjpdnx029bavv7n.nar.xz
 *   Compression: xz
 *   FileHash: sha256:1xzayav35l9gcyxdjpxnls63fg4njbkq8r0rigjpdnx029bavv7n
 *   FileSize: 192
 *   NarHash: sha256:14mjzm56wn9178mvjfvmr150awbk0581d09dyfbmmq3pz4sbk8dq
 *   NarSize: 200
 *   References: 9xhcvi1qzwc592r7kch2dr40da1cx078-nixfmt-dep
 *   Deriver: p0f33s2qy2k3jwnyhxbwvz1a0sfdpkj8-nixfmt-top.drv
 *   Sig: nixfmt-test-1:LA01nteXaw2z0bLiP8jSXg6JQjZ/a6VEH2OGGFeDBioAd+4HyybCvU3+HQBAmfvNY9gYMbp4umFvdnXySYBsDA==
 *
 * Parsing is stricter than Nix where Nix is sloppy (duplicate keys, lines
 * without ": ", non-canonical numbers) and equal to Nix otherwise: Compression
 * defaults to "bzip2", "Deriver: unknown-deriver" means none, an empty CA means
 * none, unknown keys are ignored, references are deduplicated and sorted.
 * URL is kept as written: relative to the cache ("nar/….nar.xz", maybe with a
 * query) or, as Nix >= 2.18 allows, absolute ("https://mirror/nar/….nar.xz");
 * narurl.ts resolves it.
 */

import { Buffer } from 'node:buffer';
import { parseContentAddress } from './ca.ts';
import { NixFormatError } from './errors.ts';
import { formatHash, parseHash, parseNarHash } from './hash.ts';
import type { PathFacts } from './facts.ts';
import { DEFAULT_STORE_DIR, baseNameOf, parseStorePath, storePathFromBaseName } from './storepath.ts';

/** A narinfo: the path's facts, where its NAR is, and the builders' signatures. */
export interface NarInfo extends PathFacts {
  readonly url: string;
  readonly compression: string;
  readonly fileHash?: string;
  readonly fileSize?: number;
  readonly system?: string;
  readonly sigs: readonly string[];
}

export const MAX_NARINFO_BYTES = 1024 * 1024;
export const DEFAULT_COMPRESSION = 'bzip2';

const LINE_RE = /^([^:\s]+): (.*)$/;
const UINT_RE = /^(0|[1-9][0-9]{0,15})$/;
const SINGLE = new Set(['StorePath', 'URL', 'Compression', 'FileHash', 'FileSize', 'NarHash', 'NarSize',
  'References', 'Deriver', 'System', 'CA']);

function fieldError(field: string, why: string, cause?: unknown): NixFormatError {
  return new NixFormatError('narinfo-bad-field', `narinfo ${field}: ${why}`,
    cause === undefined ? { field } : { field, cause });
}

function wrap<T>(field: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw fieldError(field, e instanceof Error ? e.message : 'invalid', e);
  }
}

function parseUint(field: string, v: string): number {
  const n = Number(v);
  if (!UINT_RE.test(v) || !Number.isSafeInteger(n)) throw fieldError(field, `not a canonical integer: ${JSON.stringify(v)}`);
  return n;
}

/** Validated as Nix parses it (ca.ts) and kept as written. */
function parseCa(v: string): string {
  wrap('CA', () => parseContentAddress(v));
  return v;
}

/** Split into key/value lines; Sig is the only key that may repeat. */
function splitLines(text: string): Map<string, string[]> {
  if (text.length > MAX_NARINFO_BYTES || Buffer.byteLength(text, 'utf8') > MAX_NARINFO_BYTES) {
    throw new NixFormatError('narinfo-too-long', `narinfo is over ${MAX_NARINFO_BYTES} bytes`);
  }
  const fields = new Map<string, string[]>();
  if (text === '') return fields;
  if (!text.endsWith('\n')) throw new NixFormatError('narinfo-bad-line', 'narinfo does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  for (const [i, line] of lines.entries()) {
    const m = /[\r\0]/.test(line) ? null : LINE_RE.exec(line);
    if (m === null) throw new NixFormatError('narinfo-bad-line', `narinfo line ${i + 1} is not "Key: value"`);
    const [, key = '', value = ''] = m;
    const seen = fields.get(key);
    if (seen === undefined) fields.set(key, [value]);
    else if (SINGLE.has(key)) {
      throw new NixFormatError('narinfo-duplicate-field', `narinfo has ${key} twice`, { field: key });
    } else seen.push(value);
  }
  return fields;
}

export function parseNarInfo(text: string, storeDir: string = DEFAULT_STORE_DIR): NarInfo {
  const fields = splitLines(text);
  const one = (k: string): string | undefined => fields.get(k)?.[0];
  const need = (k: string): string => {
    const v = one(k);
    if (v === undefined) throw new NixFormatError('narinfo-missing-field', `narinfo has no ${k}`, { field: k });
    return v;
  };
  const rawPath = need('StorePath');
  const url = need('URL');
  const rawNarHash = need('NarHash');
  const rawNarSize = need('NarSize');
  const path = wrap('StorePath', () => parseStorePath(rawPath, storeDir));
  if (url === '') throw fieldError('URL', 'empty');
  const narHash = wrap('NarHash', () => parseNarHash(rawNarHash));
  const narSize = parseUint('NarSize', rawNarSize);
  if (narSize === 0) throw new NixFormatError('narinfo-zero-narsize', 'narinfo NarSize is 0', { field: 'NarSize' });

  const refWords = (one('References') ?? '').split(' ').filter((w) => w !== '');
  const references = [...new Set(wrap('References', () => refWords.map((w) => storePathFromBaseName(w, storeDir))))].sort();
  const compression = one('Compression') || DEFAULT_COMPRESSION;
  const fileHash = one('FileHash');
  const fileSize = one('FileSize');
  const deriver = one('Deriver');
  const system = one('System');
  const ca = one('CA');
  return {
    path, url, compression,
    ...(fileHash === undefined ? {} : { fileHash: wrap('FileHash', () => formatHash(parseHash(fileHash))) }),
    ...(fileSize === undefined ? {} : { fileSize: parseUint('FileSize', fileSize) }),
    narHash, narSize, references,
    ...(deriver === undefined || deriver === 'unknown-deriver'
      ? {} : { deriver: wrap('Deriver', () => storePathFromBaseName(deriver, storeDir)) }),
    ...(system === undefined ? {} : { system }),
    ...(ca === undefined || ca === '' ? {} : { ca: parseCa(ca) }),
    sigs: fields.get('Sig') ?? [],
  };
}

function line(key: string, value: string): string {
  if (/[\n\r\0]/.test(value)) throw fieldError(key, 'value contains a line break or NUL');
  return `${key}: ${value}\n`;
}

/** The narinfo text Nix writes for `info` (field order of NarInfo::to_string). */
export function formatNarInfo(info: NarInfo): string {
  let out = line('StorePath', info.path) + line('URL', info.url) + line('Compression', info.compression);
  if (info.fileHash !== undefined) out += line('FileHash', info.fileHash);
  if (info.fileSize !== undefined) out += line('FileSize', String(info.fileSize));
  out += line('NarHash', info.narHash) + line('NarSize', String(info.narSize));
  out += line('References', [...new Set(info.references.map(baseNameOf))].sort().join(' '));
  if (info.deriver !== undefined) out += line('Deriver', baseNameOf(info.deriver));
  if (info.system !== undefined) out += line('System', info.system);
  for (const sig of info.sigs) out += line('Sig', sig);
  if (info.ca !== undefined) out += line('CA', info.ca);
  return out;
}
