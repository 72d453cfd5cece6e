/**
 * A second log kind is one module and one registry entry: this in-memory kind is read
 * from the config file by the same parser, wrapped by the same limits, asked by the
 * same engine and counted by the same policy as binary caches, with no other change.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fault, miss, type Answer } from '../../src/claims.ts';
import { parseConfig } from '../../src/config/config.ts';
import { createEngine } from '../../src/engine/engine.ts';
import { createSources, LOG_KINDS, register, type LogKind } from '../../src/logs/index.ts';
import { hashPartOf, type StorePath } from '../../src/nixfmt/index.ts';
import { claim, fakeOps, hash, majority, path, type Facts } from '../engine/fakes.ts';

const app = path('app', 2);
const lib = path('lib', 1);

/** `kind = memory`: answers from a table named in the config; needs the full path, like a Trustix log. */
function memoryKind(tables: Record<string, Facts[]>): LogKind<{ table: string }> {
  return {
    kind: 'memory',
    keys: ['table', 'id'],
    parse(r) {
      const table = r.required('table', (v) => {
        if (!(v in tables)) throw new Error(`no table "${v}"`);
        return v;
      });
      const id = r.required('id', (v) => new TextEncoder().encode(v));
      return { settings: { table }, identity: id };
    },
    create(cfg, ctx) {
      let starts = 0;
      return {
        addressing: 'store-path',
        async start() {
          starts += 1;
          return starts > 1 ? fault('internal', 'started twice') : undefined;
        },
        async ask(q): Promise<Answer> {
          await ctx.ops.sleep(0, new AbortController().signal);
          const c = tables[cfg.settings.table]!.find((x) => x.path === q.path);
          return c === undefined ? miss('not-found', 'not in the table') : { outcome: 'vote', claim: { ...c, log: cfg.name, proof: { kind: 'sample' } } };
        },
      };
    },
  };
}

const tables = { good: [claim(app, '1', [lib])], bad: [claim(app, '9', [lib])] };
const registry = new Map([...LOG_KINDS, ['memory', register(memoryKind(tables))]]);
const keyA = 'cache-a-1:bx2j0rXqBvGKbEqgf8yJ4O6yP/+FhDo7g0p2Sx25Xyk=';

const text = `[log.cache-a]\nkind = binary-cache\nurl = http://127.0.0.1:1\nkey = ${keyA}\n`
  + `[log.mem-good]\nkind = memory\ntable = good\nid = one\n[log.mem-bad]\nkind = memory\ntable = bad\nid = two\nweight = 2\n`;

describe('log kind registry', () => {
  it('reads a new kind\'s own keys from the config, and the shared ones', () => {
    const c = parseConfig(text, '/etc/trustix-vote/config.ini', registry);
    assert.deepEqual(c.logs.map((l) => [l.name, l.kind, l.weight]), [['cache-a', 'binary-cache', 1], ['mem-good', 'memory', 1], ['mem-bad', 'memory', 2]]);
    assert.deepEqual(c.logs[1]!.settings, { table: 'good' });
    assert.equal(c.logs[1]!.upstream, undefined, 'a kind without NARs is no upstream');
  });

  it('refuses what the kind refuses, and keys the kind does not read', () => {
    assert.throws(() => parseConfig(text.replace('table = good', 'table = nope'), 'c.ini', registry), /\[log\.mem-good\] table: no table "nope"/);
    assert.throws(() => parseConfig(text.replace('id = one', 'id = one\nurl = http://x'), 'c.ini', registry), /\[log\.mem-good\] url: unknown key/);
    assert.throws(() => parseConfig(text.replace('id = two', 'id = one'), 'c.ini', registry), /same key/);
    assert.throws(() => parseConfig(text, 'c.ini'), /unknown kind "memory" \(supported: binary-cache, trustix, local\)/);
  });

  it('is asked by the engine with the shared limits, once started, and counted by the policy', async () => {
    const c = parseConfig(text, 'c.ini', registry);
    const ops = fakeOps();
    const state = { read: async () => undefined, write: async () => {} };
    const global = <T>(f: () => Promise<T>) => f();
    const sources = createSources(c.logs.slice(1), { ops, verify: async () => false, timeoutMs: 1000, state }, { timeoutMs: 1000, retries: 0, perLog: 2, global }, registry);
    assert.deepEqual(sources.map((s) => [s.kind, s.addressing]), [['memory', 'store-path'], ['memory', 'store-path']]);
    const engine = createEngine({ logs: sources, ops });
    const policy = majority(sources);
    const out = await engine.decideAll([app], { walk: true, signal: new AbortController().signal, policy });
    const byPath = new Map(out.map((d) => [d.path, d] as [StorePath, typeof d]));
    assert.equal(byPath.get(app)?.verdict, 'untrusted', 'one vote each for two hashes');
    assert.deepEqual(byPath.get(app)?.disagree.map((x) => x.narHash).sort(), [hash('1'), hash('9')].sort());
    assert.equal(byPath.get(lib)?.missing.length, 2, 'lib (both claims list it) was followed and asked: neither table has it');
    assert.ok(out.every((d) => d.faults.length === 0), 'the start step ran once for all questions');
    assert.equal(await engine.collectHashPart(hashPartOf(app), new AbortController().signal), undefined, 'no hash-part log named app');
  });
});
