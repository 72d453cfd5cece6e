/**
 * The head a Trustix log is read against, kept honest over time (SPEC §8 steps 2–3;
 * golang/mod sumdb's checkTrees):
 *
 *   1. the last verified head comes from the state store (`trustix-head.<logid>`,
 *      the LogHead as protojson), its signature checked again;
 *   2. GetHead → the signature must verify with the configured key;
 *   3. a head other than the last one must extend it: bigger sizes and consistency
 *      proofs of the log and the map-head log (RFC 9162, exact length). A smaller head
 *      (rollback), another head of the same size (a fork) or an unproven bigger one (a
 *      rewritten history) is misbehaviour: the evidence is kept (evidence.ts), the
 *      stored head stays, and every question this process asks the log is that fault;
 *   4. the new head is stored before it is used.
 *
 * A head is fetched at the start and again when it is older than REFRESH_MS (a long
 * serve). Trustix nodes prove map values only against their latest map root and
 * answer "not found" for older ones, so a lookup that gets "not found" may ask for a
 * newer head (newer()), at most once per MIN_REFRESH_MS. One fetch runs at a time.
 */
import { fault, type Fault } from '../../claims.ts';
import type { Ed25519Verify } from '../../nixfmt/index.ts';
import type { Ops, StateStore } from '../../ops.ts';
import type { TrustixClient } from '../../trustix/client.ts';
import {
  LogHead, advanceHead, decodeJson, encodeJson, fromWireHead, isMisbehaviourError, sameHead, toWireHead, verifyHead,
  type LogKey, type VerifiedHead,
} from '../../trustix/index.ts';
import { keepEvidence } from './evidence.ts';
import { StepFault, faultOfStep, step } from './faults.ts';

export const REFRESH_MS = 30_000;
export const MIN_REFRESH_MS = 1_000;

/** A verified head, with its protojson as claims quote it. */
export interface Current {
  readonly head: VerifiedHead;
  readonly json: string;
}

export interface HeadKeeper {
  /** The head to ask against; fetched first, refreshed when old. Throws StepFault or what limits.ts handles. */
  current(signal: AbortSignal): Promise<Current>;
  /** A newer head than `used`, after a "not found" for a request sent at `askedAt`; undefined when there is none. */
  newer(used: Current, askedAt: number, signal: AbortSignal): Promise<Current | undefined>;
}

export interface HeadKeeperDeps {
  readonly ops: Ops;
  readonly state: StateStore;
  readonly verify: Ed25519Verify;
  readonly client: TrustixClient;
  readonly log: string;
  readonly url: string;
  readonly logId: string;
  readonly key: LogKey;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export function headStateKey(logId: string): string {
  return `trustix-head.${logId}`;
}

export function createHeadKeeper(d: HeadKeeperDeps): HeadKeeper {
  const stateKey = headStateKey(d.logId);
  let trusted: Current | undefined;
  let stored: Current | undefined;
  let loaded = false;
  let confirmedAt = -Infinity;
  let sticky: Fault | undefined;
  let inflight: Promise<Current> | undefined;
  let warnedWrite = false;

  const currentOf = (head: VerifiedHead): Current => ({ head, json: encodeJson(LogHead, toWireHead(head)) });

  /** The last head verified in an earlier run; unreadable or unsigned state is warned about and ignored. */
  async function load(): Promise<Current | undefined> {
    const bytes = await d.state.read(stateKey);
    if (bytes === undefined) return undefined;
    try {
      return currentOf(await verifyHead(fromWireHead(decodeJson(LogHead, fromUtf8.decode(bytes))), d.key, d.verify));
    } catch (e) {
      d.ops.log({ kind: 'warn', message: `Trustix log ${d.log}: stored head ${stateKey} ignored: ${e instanceof Error ? e.message : String(e)}` });
      return undefined;
    }
  }

  async function save(c: Current): Promise<void> {
    try {
      await d.state.write(stateKey, utf8.encode(c.json));
      stored = c;
    } catch (e) {
      if (warnedWrite) return;
      warnedWrite = true;
      d.ops.log({ kind: 'warn', message: `Trustix log ${d.log}: cannot keep its head (${e instanceof Error ? e.message : String(e)}); a rollback after this run will not be noticed` });
    }
  }

  async function proofs(base: VerifiedHead, next: VerifiedHead, signal: AbortSignal) {
    const proof = (which: 'log' | 'map-head-log', from: bigint, to: bigint) => (to > from
      ? step(`consistency proof of the ${which} from size ${from} to ${to}`, () => d.client.consistencyProof(d.logId, which, from, to, signal))
      : Promise.resolve([]));
    const [log, mapHeadLog] = await Promise.all([proof('log', base.treeSize, next.treeSize), proof('map-head-log', base.mhTreeSize, next.mhTreeSize)]);
    return { log, mapHeadLog };
  }

  async function fetchHead(signal: AbortSignal): Promise<Current> {
    if (!loaded) {
      stored = await load();
      loaded = true;
    }
    const fetched = await step('GetHead', () => d.client.getHead(d.logId, signal));
    const head = await step('head signature', () => verifyHead(fetched, d.key, d.verify));
    const base = trusted ?? stored;
    let accepted = head;
    if (base !== undefined && !sameHead(base.head, head)) {
      const p = await proofs(base.head, head, signal);
      try {
        accepted = advanceHead(base.head, head, p);
      } catch (e) {
        if (!isMisbehaviourError(e)) throw e;
        const kept = await keepEvidence({ ops: d.ops, state: d.state, log: d.log, url: d.url, logId: d.logId }, e);
        const kind = faultOfStep('head', e)?.kind ?? 'inconsistent-head';
        sticky = fault(kind, `head: ${e.message}${kept === undefined ? '' : `; evidence: ${kept}`}`);
        throw new StepFault(sticky, { cause: e });
      }
    }
    const c = base !== undefined && accepted === base.head ? base : currentOf(accepted);
    if (stored === undefined || !sameHead(stored.head, c.head)) await save(c);
    trusted = c;
    confirmedAt = d.ops.now();
    return c;
  }

  function refresh(signal: AbortSignal): Promise<Current> {
    if (inflight === undefined) {
      const run = fetchHead(signal);
      inflight = run;
      void run.then(() => undefined, () => undefined).finally(() => {
        if (inflight === run) inflight = undefined;
      });
    }
    return inflight;
  }

  return {
    async current(signal) {
      if (sticky !== undefined) throw new StepFault(sticky);
      if (trusted !== undefined && d.ops.now() - confirmedAt < REFRESH_MS) return trusted;
      return refresh(signal);
    },
    async newer(used, askedAt, signal) {
      if (sticky !== undefined) throw new StepFault(sticky);
      if (trusted !== undefined && trusted !== used) return trusted;
      const recent = confirmedAt >= askedAt || d.ops.now() - confirmedAt < MIN_REFRESH_MS;
      if (recent && inflight === undefined) return undefined;
      const c = await refresh(signal);
      return c !== used ? c : undefined;
    },
  };
}
