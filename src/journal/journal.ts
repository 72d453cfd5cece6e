/**
 * The journal as serve, check and the build queue's drain write it: an Observer of
 * every answer and decision, batched into one transaction at a time, off the request
 * path (observer calls only queue rows; a timer writes them). A journal that cannot
 * be written is said once and the caller goes on; rows wait (bounded) for it to come
 * back. Claims are checked for equivocation as they come: one key, one path, two
 * fingerprints is evidence, kept, alarmed, and from then on that key's logs answer
 * `equivocation` through the gate (gate.ts).
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Answer, Ballot, LogName, Question } from '../claims.ts';
import type { LocalBuild } from '../logs/index.ts';
import type { Decision } from '../vote/types.ts';
import { isBusy, messageOf, openDb, type Db } from './db.ts';
import { claimRow, type BuildRow, type ClaimRow, type DecisionRow, type Evidence, type Source } from './rows.ts';
import { createStatements, type Statements } from './statements.ts';

export interface JournalLog {
  readonly name: LogName;
  readonly kind: string;
  readonly identity: Uint8Array;
  readonly trustedUntil?: number;
}

export interface JournalOptions {
  readonly file: string;
  readonly logs: readonly JournalLog[];
  readonly source: Source;
  readonly keepDays: number;
  /** How long a write waits for another process; serve waits briefly and tries again at the next flush. */
  readonly busyMs?: number;
  /** Milliseconds between writes of queued rows. */
  readonly flushMs?: number;
  /** Trouble with the journal itself, said once until it clears. */
  readonly warn: (message: string) => void;
  /** Equivocation found: loud, every time. */
  readonly alarm: (message: string, evidence: Evidence) => void;
  /** Wall clock, milliseconds since the epoch. */
  readonly now?: () => number;
}

/** The part of what serve offered that the journal keeps (structurally server/offers.ts's OfferMade). */
export interface Offered {
  readonly policy: string;
  readonly decision: Decision | undefined;
  readonly narinfo: string | undefined;
}

export interface Journal {
  readonly file: string;
  readonly db: Db;
  answered(log: LogName, q: Question, answer: Answer): void;
  decided(decision: Decision, ballot: Ballot, policy: string): void;
  offered(made: Offered): void;
  /** Writes what is queued now; false when it could not (it stays queued). */
  flush(): boolean;
  /** Records compared local builds in one transaction; throws when it cannot (the queue keeps them). */
  recordBuilds(rows: readonly BuildRow[]): void;
  /** The keys (base64 of their bytes) with evidence of equivocation against them. */
  equivocating(): ReadonlySet<string>;
  /** The key a configured log signs with, as claims are keyed (base64); undefined for kind = local. */
  keyOf(log: LogName): string | undefined;
  /** When this claim was first seen, if it ever was. */
  firstSeen(key: string, path: string, fingerprint: string): number | undefined;
  /** This machine's latest recorded build of a path (for kind = local). */
  latestBuild(hashPart: string): LocalBuild | undefined;
  prune(): number;
  close(): void;
}

const MAX_QUEUED = 200_000;
const DAY = 86_400_000;

export function openJournal(o: JournalOptions): Journal {
  const now = o.now ?? Date.now;
  const db = openDb(o.file, { busyMs: o.busyMs ?? 5000 });
  const st: Statements = createStatements(db);
  const keys = new Map(o.logs.flatMap((l) => (l.kind === 'local' ? [] : [[l.name, Buffer.from(l.identity).toString('base64')] as const])));
  const keyOfLog = (log: LogName) => keys.get(log);
  let decisions: DecisionRow[] = [];
  let claims = new Map<string, ClaimRow>();
  /**
   * log|hash part → a digest of the fingerprint last queued, so a claim seen again costs
   * nothing for a day; about 250 bytes an entry (serve's memory budget is tight).
   */
  const seen = new LRUCache<string, { digest: string; seen: number }>({ max: 5_000 });
  let pendingByPath = new Map<string, ClaimRow>();
  const pendingServe = new WeakMap<Decision, DecisionRow>();
  const bad = new Set<string>();
  let failing: string | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let dropped = 0;
  let lastPrune = 0;

  function schedule(): void {
    if (timer !== undefined) return;
    const soon = decisions.length + claims.size > 5000;
    timer = setTimeout(() => {
      timer = undefined;
      if (!flush()) schedule();
    }, soon ? 0 : (o.flushMs ?? 250));
    timer.unref?.();
  }

  function queueDecision(row: DecisionRow): void {
    if (decisions.length >= MAX_QUEUED) {
      decisions.shift();
      dropped += 1;
    }
    decisions.push(row);
    schedule();
  }

  function queueClaim(row: ClaimRow): void {
    const id = `${row.log}|${row.path.slice(row.path.lastIndexOf('/') + 1, row.path.lastIndexOf('/') + 33)}`;
    const digest = digestOf(row.fingerprint);
    const last = seen.get(id);
    if (last !== undefined && last.digest === digest && row.seen - last.seen < DAY) return;
    // Another fingerprint than this process saw, or a claim it never saw: what the
    // journal (and the rows still queued) hold decides at once, before this answer is counted.
    if (last === undefined || last.digest !== digest) {
      const earlier = pendingOther(row) ?? stored(row);
      if (earlier !== undefined) found(evidenceOf(earlier, row, row.seen));
    }
    seen.set(id, { digest, seen: row.seen });
    if (claims.size < MAX_QUEUED) {
      claims.set(`${row.key}|${row.path}|${row.fingerprint}`, row);
      pendingByPath.set(`${row.key}|${row.path}`, row);
    }
    schedule();
  }

  function pendingOther(row: ClaimRow): ClaimRow | undefined {
    const p = pendingByPath.get(`${row.key}|${row.path}`);
    return p !== undefined && p.fingerprint !== row.fingerprint ? p : undefined;
  }

  function stored(row: ClaimRow): ClaimRow | undefined {
    try {
      return st.otherClaim(row.key, row.path, row.fingerprint);
    } catch {
      return undefined;
    }
  }

  /** Evidence is written at once, outside the batch, and said loudly once per journal row. */
  function found(e: Evidence): void {
    const fresh = !bad.has(e.key);
    bad.add(e.key);
    let stored = false;
    try {
      stored = st.insertEvidence(e);
    } catch (err) {
      problem(err);
      stored = fresh;
    }
    if (stored) o.alarm(alarmText(e), e);
  }

  function flush(): boolean {
    if (decisions.length === 0 && claims.size === 0) return true;
    const ds = decisions;
    const cs = [...claims.values()];
    const conflicts: Evidence[] = [];
    try {
      db.transaction(() => {
        for (const d of ds) st.insertDecision(d);
        for (const c of cs) {
          const other = st.upsertClaim(c, DAY);
          if (other !== undefined) conflicts.push(evidenceOf(other, c, now()));
        }
      }).immediate();
    } catch (e) {
      problem(e);
      return false;
    }
    // Writing is synchronous: nothing was queued meanwhile.
    decisions = [];
    claims = new Map();
    pendingByPath = new Map();
    if (failing !== undefined) {
      o.warn(`the journal ${o.file} is written again${dropped > 0 ? `; ${dropped} decisions were dropped meanwhile` : ''}`);
      failing = undefined;
      dropped = 0;
    }
    for (const e of conflicts) found(e);
    try {
      reloadEvidence();
      if (now() - lastPrune > DAY) prune();
    } catch (e) {
      problem(e);
    }
    return true;
  }

  /** Evidence another process (a drain, a check) found counts here too. */
  function reloadEvidence(): void {
    for (const k of st.evidenceKeys()) bad.add(k);
  }

  function problem(e: unknown): void {
    if (isBusy(e)) return;
    const m = messageOf(e);
    if (failing === undefined) o.warn(`cannot write the journal ${o.file}: ${m}; going on without recording until it can be written`);
    failing = m;
  }

  function prune(): number {
    lastPrune = now();
    return st.prune(now() - o.keepDays * DAY);
  }

  reloadEvidence();
  if (o.source !== 'check') {
    try {
      prune();
    } catch (e) {
      problem(e);
    }
  }

  return {
    file: o.file,
    db,
    answered(_log, _q, answer) {
      if (answer.outcome !== 'vote') return;
      const row = claimRow(answer.claim, keyOfLog, now());
      if (row !== undefined) queueClaim(row);
    },
    decided(decision, _ballot, policy) {
      const row: DecisionRow = { at: now(), source: o.source, policy, decision };
      // serve records a decision once it knows what it offered (offered below).
      if (o.source === 'serve') pendingServe.set(decision, row);
      else queueDecision(row);
    },
    offered(made) {
      if (made.decision === undefined) return;
      const row = pendingServe.get(made.decision) ?? { at: now(), source: o.source, policy: made.policy, decision: made.decision };
      row.served = made.narinfo !== undefined;
      queueDecision(row);
    },
    flush,
    recordBuilds(rows) {
      db.transaction(() => {
        for (const r of rows) st.insertBuild(r);
      }).immediate();
    },
    equivocating: () => bad,
    keyOf: keyOfLog,
    firstSeen(key, path, fingerprint) {
      return st.firstSeen(key, path, fingerprint) ?? claims.get(`${key}|${path}|${fingerprint}`)?.seen;
    },
    latestBuild: (hashPart) => st.latestBuild(hashPart),
    prune,
    close() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      flush();
      db.close();
    },
  };
}

function digestOf(fingerprint: string): string {
  return createHash('sha1').update(fingerprint).digest('base64');
}

/** One key's two claims about one path; ordered by fingerprint, so the same pair is one row. */
function evidenceOf(a: ClaimRow, b: ClaimRow, found: number): Evidence {
  const [x, y] = a.fingerprint < b.fingerprint ? [a, b] : [b, a];
  return {
    key: a.key, keyName: b.keyName, path: a.path, found,
    a: { fingerprint: x.fingerprint, sig: x.sig, log: x.log, seen: x.seen },
    b: { fingerprint: y.fingerprint, sig: y.sig, log: y.log, seen: y.seen },
  };
}

export function alarmText(e: Evidence): string {
  return `EQUIVOCATION: key ${e.keyName} signed two different fingerprints for ${e.path} ` +
    `(log ${e.a.log}: ${e.a.fingerprint.split(';')[2] ?? '?'}, log ${e.b.log}: ${e.b.fingerprint.split(';')[2] ?? '?'}). ` +
    `Both signed claims are kept as evidence (trustix-vote evidence); every answer of a log with this key now counts as a fault.`;
}
