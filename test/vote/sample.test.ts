import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { narHashToSri } from '../../src/nixfmt/index.ts';
import { SampleError, parseSample } from '../../src/vote/sample.ts';
import { PATH, REF_A, X, Y } from './fixtures.ts';

const good = {
  logs: [{ name: 'cache.nixos.org', weight: 2 }, { name: 'b' }, { name: 'c' }, { name: 'd' }],
  paths: [{
    path: PATH,
    answers: {
      'cache.nixos.org': { narHash: narHashToSri(X), narSize: 123, references: [REF_A], deriver: '/nix/store/1b9p07z77phvv2hf6gm9f28syp39f1ag-hello-2.12.1.drv' },
      b: { narHash: Y },
      c: { outcome: 'fault', reason: 'timeout' },
    },
  }],
};

function fails(doc: unknown, at: string, message: RegExp): void {
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc);
  assert.throws(() => parseSample(text), (e: unknown) => {
    assert.ok(e instanceof SampleError, String(e));
    assert.equal(e.code, 'SAMPLE_INVALID');
    assert.equal(e.at, at);
    assert.match(e.message, message);
    return true;
  });
}

interface Doc {
  logs: Record<string, unknown>[];
  paths?: { path: string; answers: Record<string, Record<string, unknown>> }[];
}

/** `good` with one change made by `edit`. */
function edited(edit: (d: Doc & { paths: NonNullable<Doc['paths']> }) => void): unknown {
  const d = structuredClone(good);
  edit(d);
  return d;
}

describe('parseSample', () => {
  test('reads logs and ballots, in configured order, absent logs missing', () => {
    const { logs, ballots } = parseSample(JSON.stringify(good));
    assert.deepEqual(logs, [{ name: 'cache.nixos.org', weight: 2 }, { name: 'b', weight: 1 }, { name: 'c', weight: 1 }, { name: 'd', weight: 1 }]);
    assert.equal(ballots.length, 1);
    const [a, b, c, d] = ballots[0]?.answers ?? [];
    assert.deepEqual(a, {
      outcome: 'vote',
      claim: { log: 'cache.nixos.org', proof: { kind: 'sample' }, path: PATH, narHash: X, narSize: 123, references: [REF_A], deriver: '/nix/store/1b9p07z77phvv2hf6gm9f28syp39f1ag-hello-2.12.1.drv' },
    });
    assert.deepEqual(b, { outcome: 'vote', claim: { log: 'b', proof: { kind: 'sample' }, path: PATH, narHash: Y, narSize: 0, references: [] } });
    // A reason that names a fault kind is taken as the kind.
    assert.deepEqual(c, { outcome: 'fault', kind: 'timeout', reason: 'timeout' });
    assert.deepEqual(d, { outcome: 'miss', kind: 'not-found', reason: 'not in sample' });
  });

  test('errors name the JSON location', () => {
    fails('{"logs": [', '$', /^\$: not JSON/);
    fails([], '$', /expected an object/);
    fails(edited((d) => { d.logs = []; }), '$.logs', /at least one log/);
    fails(edited((d) => { d.logs[1]!.name = 'cache.nixos.org'; }), '$.logs[1].name', /duplicate log "cache.nixos.org"/);
    fails(edited((d) => { d.logs[2]!.weight = -1; }), '$.logs[2].weight', />= 0/);
    fails(edited((d) => { d.logs[0]!.wieght = 1; }), '$.logs[0].wieght', /unknown field/);
    fails(edited((d) => { d.paths[0]!.path = '/nix/store/short-hello'; }), '$.paths[0].path', /./);
    fails(edited((d) => { d.paths[0]!.answers.b!.narHash = 'sha256:nope'; }), '$.paths[0].answers.b.narHash', /bad hash/);
    fails(edited((d) => { delete d.paths[0]!.answers.b!.narHash; }), '$.paths[0].answers.b.narHash', /expected a string/);
    fails(edited((d) => { d.paths[0]!.answers['cache.nixos.org']!.narSize = -5; }), '$.paths[0].answers["cache.nixos.org"].narSize', /whole number/);
    fails(edited((d) => { d.paths[0]!.answers.b!.references = ['hello']; }), '$.paths[0].answers.b.references[0]', /./);
    fails(edited((d) => { d.paths[0]!.answers.e = { outcome: 'miss' }; }), '$.paths[0].answers.e', /unknown field \(expected one of cache\.nixos\.org, b, c, d\)/);
    fails(edited((d) => { d.paths[0]!.answers.c!.outcome = 'timeout'; }), '$.paths[0].answers.c.outcome', /"vote", "miss" or "fault"/);
    fails(edited((d) => { d.paths[0]!.answers.c!.narHash = X; }), '$.paths[0].answers.c.narHash', /a fault carries no narHash/);
    fails(edited((d) => { delete (d as Doc).paths; }), '$.paths', /expected an array/);
  });
});
