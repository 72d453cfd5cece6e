/** The journal on a real SQLite file: recording, equivocation evidence, the gate, builds, pruning, failure. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { fault, type Answer, type Claim } from '../../src/claims.ts';
import { gated } from '../../src/engine/gate.ts';
import { MIGRATIONS } from '../../src/journal/schema.ts';
import { createGate, listEvidence, openJournal, openReader, storyOf, summarize, type BuildRow, type JournalOptions } from '../../src/journal/index.ts';
import type { Decision } from '../../src/vote/types.ts';
import { hash, path } from '../engine/fakes.ts';

const dir = mkdtempSync(join(tmpdir(), 'tv-journal-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const KEY_A = new Uint8Array(32).fill(1);
const KEY_B = new Uint8Array(32).fill(2);
const LOGS = [
  { name: 'a', kind: 'binary-cache', identity: KEY_A },
  { name: 'b', kind: 'binary-cache', identity: KEY_B, trustedUntil: Date.parse('2026-10-01T00:00:00Z') },
  { name: 'me', kind: 'local', identity: new Uint8Array([1]) },
];

function journal(over: Partial<JournalOptions> = {}) {
  const warnings: string[] = [];
  const alarms: string[] = [];
  const j = openJournal({
    file: join(dir, `j${n++}.sqlite`), logs: LOGS, source: 'check', keepDays: 90, flushMs: 10_000,
    warn: (m) => warnings.push(m), alarm: (m) => alarms.push(m), ...over,
  });
  return { j, warnings, alarms };
}

const P = path('contested', 1);
function vote(log: string, h: string, keyName = `${log}-1`, sig = `${keyName}:sig-${h}`): Answer {
  const facts = { path: P, narHash: hash(h), narSize: 100, references: [] };
  const claim: Claim = { ...facts, log, proof: { kind: 'narinfo-signature', keyName, fingerprint: `1;${P};${hash(h)};100;`, sig } };
  return { outcome: 'vote', claim };
}
const decision = (verdict: 'trusted' | 'untrusted'): Decision => ({
  path: P, verdict, ...(verdict === 'trusted' && { narHash: hash('1') }), agree: verdict === 'trusted' ? ['a'] : [],
  disagree: [{ log: 'b', narHash: hash('2') }], missing: [{ log: 'me', kind: 'not-found', reason: 'never built on this machine' }], faults: [], reason: 'because',
});
const q = { hashPart: P.slice(11, 43) as never, path: P };

describe('journal', () => {
  it('records decisions with each log\'s part, and signed claims once', () => {
    const { j } = journal();
    j.answered('a', q, vote('a', '1'));
    j.answered('a', q, vote('a', '1'));
    j.answered('b', q, vote('b', '2'));
    j.answered('b', q, { outcome: 'miss', kind: 'not-found', reason: 'x' });
    j.decided(decision('trusted'), { path: P, answers: [] }, '');
    assert.equal(j.flush(), true);
    const story = storyOf(j.db, P);
    assert.equal(story.decisions.length, 1);
    assert.deepEqual(story.decisions[0]!.logs.map((l) => [l.log, l.role]), [['a', 'agree'], ['b', 'dissent'], ['me', 'miss']]);
    assert.deepEqual(story.claims.map((c) => [c.log, c.narHash]), [['a', hash('1')], ['b', hash('2')]]);
    assert.equal(story.claims[0]!.key, `a-1:${Buffer.from(KEY_A).toString('base64')}`);
    j.close();
  });

  it('serve records a decision once it knows whether Nix was served', () => {
    const { j } = journal({ source: 'serve' });
    const d = decision('untrusted');
    j.decided(d, { path: P, answers: [] }, 'strict');
    j.offered({ policy: 'strict', decision: d, narinfo: undefined });
    j.flush();
    const [row] = storyOf(j.db, P).decisions;
    assert.deepEqual([row?.source, row?.policy, row?.served, row?.logs[0]?.role], ['serve', 'strict', false, 'vote']);
    j.close();
  });

  it('keeps two signed fingerprints by one key as evidence, alarms, and the gate then faults every answer of that key', () => {
    const { j, alarms } = journal();
    // Before b's trusted-until, so only equivocation is at stake.
    const gate = createGate(LOGS, j, () => Date.parse('2026-09-01T00:00:00Z'))!;
    assert.equal(gated(gate, 'a', q, vote('a', '1')).outcome, 'vote');
    j.answered('a', q, vote('a', '1'));
    j.flush();
    j.answered('a', q, vote('a', '3'));
    assert.equal(alarms.length, 1);
    assert.match(alarms[0]!, /EQUIVOCATION: key a-1 signed two different fingerprints/);
    const later = gated(gate, 'a', q, vote('a', '1'));
    assert.equal(later.outcome, 'fault');
    assert.equal(later.outcome === 'fault' && later.kind, 'equivocation');
    assert.equal(gated(gate, 'a', q, { outcome: 'miss', kind: 'not-found', reason: '' }).outcome, 'fault');
    assert.equal(gated(gate, 'b', q, vote('b', '2')).outcome, 'vote', 'another key is not touched');
    j.flush();
    const ev = listEvidence(j.db);
    assert.equal(ev.length, 1, 'found in memory and again in the database: one row');
    assert.deepEqual(ev[0]!.claims.map((c) => c.sig).sort(), ['a-1:sig-1', 'a-1:sig-3']);
    j.close();
  });

  it('finds equivocation across processes: a claim in the database and a new one from another journal', () => {
    const file = join(dir, 'shared.sqlite');
    const one = journal({ file });
    one.j.answered('a', q, vote('a', '1'));
    one.j.close();
    const two = journal({ file });
    two.j.answered('a', q, vote('a', '4'));
    assert.equal(two.alarms.length, 1, 'found as the answer comes, before it is counted');
    two.j.flush();
    assert.equal(two.alarms.length, 1);
    assert.equal(two.j.equivocating().has(Buffer.from(KEY_A).toString('base64')), true);
    two.j.close();
    const three = journal({ file });
    assert.equal(three.j.equivocating().size, 1, 'loaded at open');
    three.j.close();
  });

  it('counts, past trusted-until, only claims first seen before it; without a journal none', () => {
    let now = Date.parse('2026-09-01T00:00:00Z');
    const { j } = journal({ now: () => now });
    const gate = createGate(LOGS, j, () => now)!;
    j.answered('b', q, vote('b', '2'));
    assert.equal(gated(gate, 'b', q, vote('b', '2')).outcome, 'vote');
    now = Date.parse('2026-11-01T00:00:00Z');
    assert.equal(gated(gate, 'b', q, vote('b', '2')).outcome, 'vote', 'seen in September, still counts');
    const p2 = path('new', 2);
    const fresh: Answer = { outcome: 'vote', claim: { path: p2, narHash: hash('5'), narSize: 1, references: [], log: 'b', proof: { kind: 'narinfo-signature', keyName: 'b-1', fingerprint: `1;${p2};x`, sig: 'b-1:s' } } };
    j.answered('b', { hashPart: p2.slice(11, 43) as never, path: p2 }, fresh);
    const g = gated(gate, 'b', { hashPart: p2.slice(11, 43) as never, path: p2 }, fresh);
    assert.equal(g.outcome === 'fault' && g.kind, 'key-expired');
    const bare = createGate(LOGS, undefined, () => now)!;
    assert.equal(gated(bare, 'b', q, vote('b', '2')).outcome, 'fault');
    assert.equal(gated(bare, 'a', q, vote('a', '1')).outcome, 'vote');
    j.close();
  });

  it('a gate can only take a vote away', () => {
    const liar = { override: () => vote('a', '9') as never };
    const miss: Answer = { outcome: 'miss', kind: 'not-found', reason: '' };
    assert.equal(gated(liar, 'a', q, miss), miss);
    assert.equal(gated({ override: () => fault('equivocation', 'x') }, 'a', q, vote('a', '1')).outcome, 'fault');
  });

  it('records a build once however often it is recorded, and serves it as the latest local build', () => {
    const { j } = journal();
    const row: BuildRow = {
      spool: 'x.build', path: P, queued: 1, checked: 2, narHash: hash('1'), narSize: 100, references: [], verdict: 'reproduced',
      compared: hash('1'), decisionVerdict: 'untrusted', decisionReason: 'no majority', policy: '', matching: ['a'], differing: [{ log: 'b', narHash: hash('2') }],
      missing: [], faults: [], reason: 'matches',
    };
    j.recordBuilds([row]);
    j.recordBuilds([row]);
    assert.equal(storyOf(j.db, P).builds.length, 1);
    assert.equal(j.latestBuild(P.slice(11, 43))?.narHash, hash('1'));
    const s = summarize(j.db, undefined);
    assert.deepEqual([s.builds.total, s.builds.rejected.total, s.builds.rejected.reproduced], [1, 1, 1]);
    j.close();
  });

  it('prunes what is older than keep-days, never evidence', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { j } = journal({ now: () => now });
    j.answered('a', q, vote('a', '1'));
    j.answered('a', q, vote('a', '2'));
    j.decided(decision('trusted'), { path: P, answers: [] }, '');
    j.flush();
    now += 91 * 86_400_000;
    assert.ok(j.prune() >= 3);
    const story = storyOf(j.db, P);
    assert.deepEqual([story.decisions.length, story.claims.length, story.evidence.length], [0, 0, 1]);
    j.close();
  });

  it('cannot open a journal where a directory is a file: a JournalError, nothing else', () => {
    writeFileSync(join(dir, 'file'), '');
    assert.throws(() => journal({ file: join(dir, 'file', 'j.sqlite') }), { code: 'JOURNAL' });
  });

  it('a journal that stops being writable is said once, and the caller goes on', () => {
    const { j, warnings } = journal();
    j.db.pragma('query_only = ON');
    j.decided(decision('trusted'), { path: P, answers: [] }, '');
    assert.equal(j.flush(), false);
    j.decided(decision('trusted'), { path: P, answers: [] }, '');
    assert.equal(j.flush(), false);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /cannot write the journal/);
    j.db.pragma('query_only = OFF');
    assert.equal(j.flush(), true);
    assert.match(warnings[1] ?? '', /written again/);
    assert.equal(storyOf(j.db, P).decisions.length, 2, 'the queued rows were kept');
    j.close();
  });

  it('upgrades a journal of schema 1 with its claims, which still catch equivocation and are found by path through the key', () => {
    const file = join(dir, 'schema-1.sqlite');
    const old = new Database(file);
    old.exec(MIGRATIONS[0]!);
    old.pragma('user_version = 1');
    old.prepare('INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(Buffer.from(KEY_A).toString('base64'), 'a-1', P, `1;${P};${hash('1')};100;`, hash('1'), 'a-1:sig-1', 'a', 5, 5);
    old.close();
    const { j, alarms } = journal({ file });
    assert.equal(j.db.pragma('user_version', { simple: true }), MIGRATIONS.length);
    assert.deepEqual(storyOf(j.db, P).claims.map((c) => [c.log, c.narHash]), [['a', hash('1')]]);
    const plan = j.db.prepare('EXPLAIN QUERY PLAN SELECT * FROM claims WHERE path = ?').all(P) as { detail: string }[];
    assert.match(plan.map((r) => r.detail).join('; '), /SEARCH claims USING PRIMARY KEY \(path=\?\)/);
    j.answered('a', q, vote('a', '4'));
    assert.equal(alarms.length, 1, 'the upgraded claim is evidence against a new one');
    j.close();
  });

  it('a reader opens it read-only', () => {
    const { j } = journal();
    const file = j.file;
    j.close();
    const db = openReader(file);
    assert.throws(() => db.exec('DELETE FROM decisions'));
    db.close();
  });
});
