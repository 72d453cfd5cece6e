/**
 * What the Trustix kind's tests share: store paths with narinfo-ish values as
 * trustix-nix submits them, a Publisher behind a TestNode (test/trustix/node.ts), and
 * the kind built from config text with the real host Ops (HTTP, clock, file state)
 * and the shared limits: nothing of the client is mocked.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/config.ts';
import { createHostOps } from '../../src/host/ops.ts';
import { createFileState } from '../../src/host/state.ts';
import { createSources, type LogSource } from '../../src/logs/index.ts';
import { encodeNix32, hashPartOf, parseStorePath, type StorePath } from '../../src/nixfmt/index.ts';
import type { Ops } from '../../src/ops.ts';
import { encodeValue } from '../../src/trustix/index.ts';
import { Publisher, type Item } from '../trustix/publisher.ts';
import { signerFromSeed, type Signer } from '../trustix/sign.ts';

const NIX32 = '0123456789abcdfghijklmnpqrsvwxyz';

export function storePath(name: string): StorePath {
  const h = createHash('sha256').update(name).digest();
  return parseStorePath(`/nix/store/${Array.from(h.subarray(0, 32), (b) => NIX32[b % 32]).join('')}-${name}`);
}

/** The SRI NarHash Nix 2.4–2.18 printed (what trustix-nix submitted) for made-up NAR contents. */
export function sriOf(content: string): string {
  return `sha256-${createHash('sha256').update(content).digest('base64')}`;
}

export function nix32Of(content: string): string {
  return `sha256:${encodeNix32(createHash('sha256').update(content).digest())}`;
}

export function item(path: StorePath, content: string, references: readonly StorePath[] = []): Item {
  return { key: new TextEncoder().encode(path), value: encodeValue({ path, narHash: sriOf(content), narSize: content.length * 100, references }) };
}

export function newSigner(): Signer {
  return signerFromSeed(randomBytes(32).toString('hex'));
}

export function publisher(signer: Signer, ...batches: Item[][]): Publisher {
  const p = new Publisher(signer);
  for (const b of batches) p.flush(b);
  return p;
}

const made: string[] = [];

/** A fresh state directory; removeTempDirs() removes every one made. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tv-trustix-'));
  made.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

export interface OpenLog {
  readonly source: LogSource;
  readonly ops: Ops;
  readonly warnings: string[];
  /** Milliseconds added to the real clock, to age heads without waiting. */
  skew: number;
  ask(path: StorePath): ReturnType<LogSource['query']>;
  close(): Promise<void>;
}

/** The log as `check` makes it: parsed from config text, created by the registry, wrapped by the limits. */
export async function openLog(url: string, signer: Signer, stateDir: string, extra = ''): Promise<OpenLog> {
  const config = parseConfig(`[state]\ndir = ${stateDir}\n[query]\ntimeout = 2\nretries = 0\n[log.tx]\nkind = trustix\nurl = ${url}\nkey = ${signer.key.base64}\n${extra}`, 'test.ini');
  const warnings: string[] = [];
  const host = createHostOps({ connections: 4, onEvent: (e) => void (e.kind === 'warn' && warnings.push(e.message)) });
  const log: Partial<OpenLog> & { skew: number } = { skew: 0, warnings };
  const ops: Ops = { ...host, now: () => host.now() + log.skew };
  const ctx = { ops, verify: host.verify, timeoutMs: config.query.timeoutMs, state: createFileState(config.stateDir) };
  const [source] = createSources(config.logs, ctx, { ...config.query, global: (f) => f() });
  return Object.assign(log, {
    source: source!,
    ops,
    ask: (path: StorePath) => source!.query({ hashPart: hashPartOf(path), path }, new AbortController().signal),
    close: () => host.close(),
  }) as OpenLog;
}
