/**
 * Misbehaviour kept where it survives the run: both signed heads (and the proof that
 * failed) under state key `trustix-evidence.<logid>.<n>`, n = 0, 1, …, as JSON anyone
 * can re-check with the log's key alone:
 *
 *   {"log":"builder-b","url":"http://…","logId":"68d4…","kind":"rollback",
 *    "message":"log went back from size 12 to 7","evidence":{"log":"log","previous":{…LogHead…},"next":{…}}}
 *
 * The same evidence found again (every run against a log that stays forked) is not
 * written twice. Then one warning line says what happened and where the evidence is.
 */
import type { Ops, StateStore } from '../../ops.ts';
import { evidenceJson, type MisbehaviourError } from '../../trustix/index.ts';

const MAX_RECORDS = 100;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export interface EvidenceTarget {
  readonly ops: Ops;
  readonly state: StateStore;
  readonly log: string;
  readonly url: string;
  readonly logId: string;
}

export function evidenceKey(logId: string, n: number): string {
  return `trustix-evidence.${logId}.${n}`;
}

/** Stores the evidence (once) and warns; returns the state key it is under, if it could be kept. */
export async function keepEvidence(t: EvidenceTarget, e: MisbehaviourError): Promise<string | undefined> {
  const record = JSON.stringify({ log: t.log, url: t.url, logId: t.logId, kind: e.code, message: e.message, evidence: evidenceJson(e.evidence) });
  let kept: string | undefined;
  let why = '';
  try {
    for (let n = 0; n < MAX_RECORDS && kept === undefined; n++) {
      const key = evidenceKey(t.logId, n);
      const old = await t.state.read(key);
      if (old !== undefined && fromUtf8.decode(old) !== record) continue;
      if (old === undefined) await t.state.write(key, utf8.encode(record));
      kept = key;
    }
    if (kept === undefined) why = `; not kept: ${MAX_RECORDS} records of this log are stored already`;
  } catch (err) {
    why = `; could not be kept: ${err instanceof Error ? err.message : String(err)}`;
  }
  t.ops.log({
    kind: 'warn',
    message: `MISBEHAVIOUR by Trustix log ${t.log} (${t.url}, log ID ${t.logId}): ${e.code}: ${e.message}; every path it answers is a fault`
      + (kept !== undefined ? `; both signed heads are kept as evidence in the state directory, ${kept}` : why),
  });
  return kept;
}
