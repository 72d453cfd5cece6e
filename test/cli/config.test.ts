/** `trustix-vote config check`, run as a user runs it, on configs written here. */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { generateSecretKey } from '../../src/nixfmt/index.ts';
import { cli } from './run.ts';

const keyA = generateSecretKey('cache-a-1').public;
const keyB = generateSecretKey('builder-b-1').public;
const serveKey = generateSecretKey('myhost-trustix-vote-1');
const log = (name: string, key: string, extra = '') => `[log.${name}]\nkind = binary-cache\nurl = http://127.0.0.1:8081\nkey = ${key}\n${extra}`;

describe('config check', () => {
  let dir: string;
  const file = async (name: string, text: string) => {
    const p = join(dir, name);
    await writeFile(p, text);
    return p;
  };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tv-config-'));
    await file('serve.sec', `${serveKey.secret}\n`);
    await file('policy.lua', 'return function(p, v, l) return trustix.percentage(v, l, 66) end\n');
  });

  it('loads config and policy, queries nothing, and sums up logs, policy and serve', async () => {
    const ini = await file('ok.ini', `[policy]\nfile = policy.lua\n${log('cache-a', keyA)}${log('builder-b', keyB, 'weight = 0.5\n')}` +
      `[serve]\nsigning-key = serve.sec\nmode = report\n[upstream]\nurls = http://127.0.0.1:1 http://127.0.0.1:2\n`);
    const r = await cli(['config', 'check', ini]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${ini}: ok\nlogs \\(2\\):\n`));
    assert.match(r.stdout, /^ {2}cache-a +binary-cache +weight 1 +http:\/\/127\.0\.0\.1:8081 +cache-a-1:/m);
    assert.match(r.stdout, /^ {2}builder-b +binary-cache +weight 0\.5 /m);
    assert.match(r.stdout, new RegExp(`^ {2}/ +${join(dir, 'policy.lua')}$`, 'm'));
    assert.match(r.stdout, /^serve: listen 127\.0\.0\.1:37515, mode report, max-connections 1024$/m);
    assert.ok(r.stdout.includes(`public key ${serveKey.public}`), r.stdout);
    assert.match(r.stdout, /upstreams: http:\/\/127\.0\.0\.1:1 http:\/\/127\.0\.0\.1:2/);
  });

  it('passes with a signing key only the service can read, and says so', async () => {
    const ini = await file('cred.ini', `${log('cache-a', keyA)}[serve]\nsigning-key = /run/credentials/trustix-vote.service/signing-key\n`);
    const r = await cli(['config', 'check', ini]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /signing key: \/run\/credentials\/trustix-vote\.service\/signing-key \(not readable by this user/);
    assert.match(r.stdout, /built-in strict majority/);
  });

  for (const [desc, name, text, why] of [
    ['an unknown key', 'typo.ini', `${log('cache-a', keyA)}[query]\ntimout = 5\n`, /typo\.ini:\d+ \[query\] timout: unknown key/],
    ['two logs with one key', 'dup.ini', `${log('a', keyA)}${log('b', keyA)}`, /logs "a" and "b" have the same key/],
    ['a policy that does not load', 'badpolicy.ini', `[policy]\nfile = bad.lua\n${log('cache-a', keyA)}`, /bad\.lua:2: /],
    ['a missing policy file', 'nopolicy.ini', `[policy]\nfile = nowhere.lua\n${log('cache-a', keyA)}`, /nopolicy\.ini:2 \[policy\] file: cannot read .*nowhere\.lua/],
    ['a signing key that is not one', 'badkey.ini', `${log('cache-a', keyA)}[serve]\nsigning-key = policy.lua\n`, /badkey\.ini:6 \[serve\] signing-key: .*policy\.lua/],
  ] as const) {
    it(`exits 2 on ${desc}, saying where`, async () => {
      await file('bad.lua', 'return function(p, v, l)\n  retrun nil\nend\n');
      const r = await cli(['config', 'check', await file(name, text)]);
      assert.equal(r.exitCode, 2, r.stdout);
      assert.match(r.stderr, why);
      assert.equal(r.stdout, '', 'no summary for a config serve would refuse');
    });
  }

  it('exits 2 on usage errors', async () => {
    assert.equal((await cli(['config'])).exitCode, 2);
    assert.match((await cli(['config', 'lint', 'x'])).stderr, /unknown config subcommand "lint"/);
    assert.match((await cli(['config', 'check'])).stderr, /exactly one FILE/);
    assert.match((await cli(['config', 'check', '/nonexistent.ini'])).stderr, /\/nonexistent\.ini: cannot read the file/);
  });
});
