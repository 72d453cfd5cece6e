/**
 * Draining the build queue: for every path the post-build hook queued, its NarHash
 * from the local store, every log's answer, the policy's decision and how this
 * machine's build compared (engine/rebuild.ts), recorded in the journal; only then
 * is the queue file removed. Used by `trustix-vote post-build-hook --drain` and,
 * periodically, by serve.
 */
import pLimit from 'p-limit';
import { miss, type Answer } from '../claims.ts';
import type { Engine, NamedPolicy } from '../engine/engine.ts';
import { compareRebuild } from '../engine/rebuild.ts';
import { moveAside, readSpool, removeQueued, type SpoolEntry } from '../host/spool.ts';
import type { Journal } from '../journal/index.ts';
import type { BuildRow } from '../journal/index.ts';
import type { LogSource } from '../logs/index.ts';
import type { PathInfo, StorePath } from '../nixfmt/index.ts';
import type { NixOps, Ops } from '../ops.ts';

export interface DrainOptions {
  readonly engine: Engine;
  readonly policy: NamedPolicy;
  readonly logs: readonly LogSource[];
  readonly journal: Journal;
  readonly nix: Pick<NixOps, 'pathInfo' | 'outputsOf'>;
  readonly ops: Pick<Ops, 'deadline'>;
  readonly spoolDir: string;
  readonly signal: AbortSignal;
  /** Paths compared at once. */
  readonly concurrency: number;
  readonly deadlineMs: number;
  /** Wall clock, ms since the epoch. */
  readonly now: () => number;
  readonly warn: (message: string) => void;
  /** Queue files recorded per journal transaction. */
  readonly batch?: number;
  /**
   * `[publish]` (publish.ts): called with each batch of builds once they are recorded,
   * to append them to our own log; a failure here warns and never undoes a recorded build.
   */
  readonly publish?: (builds: readonly BuildRow[], signal: AbortSignal) => Promise<void>;
}

export interface DrainResult {
  readonly recorded: readonly BuildRow[];
  readonly corrupt: readonly { readonly name: string; readonly reason: string }[];
  /** Builds left queued because no log could be asked (tried again next time). */
  readonly kept: number;
  /** Queued outputs no longer in the store (garbage-collected before the drain). */
  readonly gone: number;
  /** Queue files past this run's limit. */
  readonly more: number;
  /** Why recording stopped, when the journal could not be written. */
  readonly failed?: string;
}

/** A build no log could answer about is kept queued this long, then recorded as unchecked. */
const KEEP_UNCHECKED_MS = 86_400_000;

export async function drain(o: DrainOptions): Promise<DrainResult> {
  const read = await readSpool(o.spoolDir, o.now());
  const corrupt: { name: string; reason: string }[] = [];
  for (const c of read.corrupt) {
    try {
      await moveAside(o.spoolDir, c.name, c.reason);
      corrupt.push(c);
      o.warn(`build queue: ${c.name} moved to ${o.spoolDir}/corrupt/: ${c.reason}`);
    } catch (e) {
      o.warn(`build queue: ${c.name} is corrupt (${c.reason}) and cannot be moved aside: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const recorded: BuildRow[] = [];
  let kept = 0;
  let gone = 0;
  const size = o.batch ?? 200;
  // Nix is asked once per drain (each nix command costs a few hundred ms to start).
  const entries = await withOutputs(o, read.entries);
  const infos = new Map((await o.nix.pathInfo([...new Set(entries.flatMap((e) => e.outs))], o.signal)).map((p) => [p.path, p]));
  const limit = pLimit(o.concurrency);
  for (let i = 0; i < entries.length && !o.signal.aborted; i += size) {
    const batch = entries.slice(i, i + size);
    // One deadline per batch ([query] deadline, as check has per run): one listener on the run's signal.
    const deadline = o.ops.deadline(o.deadlineMs, o.signal);
    const results = await Promise.all(batch.map((e) => limit(() => compareEntry(o, e, infos, deadline.signal)))).finally(() => deadline.clear());
    const rows = results.flatMap((r) => r.rows);
    try {
      if (rows.length > 0) o.journal.recordBuilds(rows);
    } catch (e) {
      return { recorded, corrupt, kept, gone, more: read.more, failed: e instanceof Error ? e.message : String(e) };
    }
    recorded.push(...rows);
    if (o.publish !== undefined && rows.length > 0) {
      await o.publish(rows, o.signal).catch((e: unknown) => o.warn(`publishing ${rows.length} build(s) failed: ${e instanceof Error ? e.message : String(e)}`));
    }
    kept += results.filter((r) => r.keep).length;
    gone += results.reduce((n, r) => n + r.gone, 0);
    await removeQueued(o.spoolDir, batch.filter((_, j) => !results[j]?.keep).map((e) => e.name));
  }
  return { recorded, corrupt, kept, gone, more: read.more };
}

/** Entries queued without output paths (Nix 2.8.0) get their derivation's outputs. */
async function withOutputs(o: DrainOptions, entries: readonly SpoolEntry[]): Promise<SpoolEntry[]> {
  const drvs = entries.flatMap((e) => (e.outs.length === 0 && e.drv !== undefined ? [e.drv] : []));
  if (drvs.length === 0) return [...entries];
  const valid = await o.nix.pathInfo(drvs, o.signal);
  const outs = await o.nix.outputsOf(valid.map((v) => v.path), o.signal);
  return entries.map((e) => (e.outs.length === 0 && e.drv !== undefined ? { ...e, outs: outs.get(e.drv) ?? [] } : e));
}

async function compareEntry(o: DrainOptions, e: SpoolEntry, infos: ReadonlyMap<string, PathInfo>, signal: AbortSignal): Promise<{ rows: BuildRow[]; keep: boolean; gone: number }> {
  const rows: BuildRow[] = [];
  let keep = false;
  let gone = 0;
  for (const out of e.outs) {
    const info = infos.get(out);
    if (info === undefined) {
      gone += 1;
      continue;
    }
    const row = await compareOne(o, e, info, signal);
    if (row === 'keep') keep = true;
    else rows.push(row);
  }
  // One output no log could be asked about keeps the whole file; recording twice is a no-op.
  return { rows, keep, gone };
}

async function compareOne(o: DrainOptions, e: SpoolEntry, info: PathInfo, signal: AbortSignal): Promise<BuildRow | 'keep'> {
  const leaveOut = new Set(o.logs.flatMap((l, i) => (l.kind === 'local' ? [i] : [])));
  const ballot = await o.engine.collect(info.path as StorePath, signal);
  // This machine's earlier builds are not a vote about this one.
  const answers = ballot.answers.map((a, i): Answer => (leaveOut.has(i) ? miss('not-found', 'this machine\'s own build is what is being compared') : a));
  const decision = await o.engine.decide({ path: ballot.path, answers }, o.policy);
  const cmp = compareRebuild(ballot, o.logs.map((l) => l.name), decision, info.narHash, leaveOut);
  const now = o.now();
  if (cmp.verdict === 'unchecked' && now - e.queued < KEEP_UNCHECKED_MS) return 'keep';
  return {
    spool: e.name, path: info.path, ...(e.drv !== undefined && { drv: e.drv }), queued: e.queued, checked: now,
    narHash: info.narHash, narSize: info.narSize, references: info.references, verdict: cmp.verdict,
    ...(cmp.compared !== undefined && { compared: cmp.compared }),
    decisionVerdict: decision.verdict, decisionReason: decision.reason, policy: o.policy.name,
    matching: cmp.matching, differing: cmp.differing, missing: cmp.missing, faults: cmp.faults, reason: cmp.reason,
  };
}
