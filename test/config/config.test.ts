import type { CacheSettings } from '../../src/logs/index.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/config.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { logsFromNixConf, parseNixConf } from '../../src/config/nixconf.ts';
import { generateSecretKey } from '../../src/nixfmt/index.ts';

const keyA = generateSecretKey('cache-a-1').public;
const keyB = generateSecretKey('cache.nixos.org-1').public;
const log = (name: string, key = keyA, url = 'http://127.0.0.1:8081') => `[log.${name}]\nkind = binary-cache\nurl = ${url}\nkey = ${key}\n`;

describe('config file', () => {
  it('reads a log\'s trusted-until as an instant', () => {
    assert.equal(parseConfig(`${log('a')}trusted-until = 2026-10-01T00:00:00Z\n`, '/x.ini').logs[0]!.trustedUntil, Date.UTC(2026, 9, 1));
    assert.equal(parseConfig(log('a'), '/x.ini').logs[0]!.trustedUntil, undefined);
  });

  it('reads named policies and the state directory, relative to the file', () => {
    const c = parseConfig(`${log('a')}[policy.strict]\nfile = strict.lua\n[policy.all-three]\nfile = /etc/all.lua\n[state]\ndir = state\n`, '/etc/trustix-vote/config.ini');
    assert.deepEqual(c.policies, [{ name: '' }, { name: 'strict', file: '/etc/trustix-vote/strict.lua' }, { name: 'all-three', file: '/etc/all.lua' }]);
    assert.equal(c.stateDir, '/etc/trustix-vote/state');
    assert.equal(parseConfig(log('a'), '/x.ini').stateDir, '/var/lib/trustix-vote');
  });

  it('reads the documented example, with comments, defaults and dotted log names', () => {
    const c = parseConfig(
      `[policy]\nfile = ./policy.lua          ; optional\n[query]\ntimeout = 5\ndeadline = 60\n${log('cache-a')}weight = 2\n${log('cache.nixos.org', keyB, 'https://cache.nixos.org/')}`,
      '/etc/trustix-vote/config.ini',
    );
    assert.deepEqual(c.policies, [{ name: '', file: '/etc/trustix-vote/policy.lua' }]);
    assert.equal(c.query.timeoutMs, 5000);
    assert.deepEqual(c.logs.map((l) => [l.name, l.weight, l.upstream]), [['cache-a', 2, 'http://127.0.0.1:8081'], ['cache.nixos.org', 1, 'https://cache.nixos.org']]);
    assert.equal(c.serve.mode, 'enforce');
  });

  for (const [desc, text, where] of [
    ['a bad number', `${log('a')}[query]\ntimeout = soon\n`, /\[query\] timeout: expected a number/],
    ['a negative deadline', `[query]\ndeadline = -1\n`, /\[query\] deadline/],
    ['an unknown key', `[query]\ntimout = 5\n`, /\[query\] timout: unknown key/],
    ['an unknown section', `[polcy]\nfile = x\n`, /\[polcy\]: unknown section/],
    ['a key given twice', `[query]\ntimeout = 1\ntimeout = 2\n`, /:3 \[query\] timeout: key given twice/],
    ['a section given twice', `${log('a')}${log('a')}`, /\[a?log\.a\]: section given twice|section given twice/],
    ['a bare word', `[query]\ntimeout\n`, /expected "key = value"/],
    ['a missing url', `[log.a]\nkind = binary-cache\nkey = ${keyA}\n`, /\[log\.a\] url: missing/],
    ['a bad key', log('a', 'cache-a-1:notbase64!'), /\[log\.a\] key/],
    ['an unknown kind', log('a').replace('binary-cache', 'ipfs'), /\[log\.a\] kind: unknown kind "ipfs" \(supported: binary-cache, trustix\)/],
    ['a non-http url', log('a', keyA, 'file:///tmp/cache'), /\[log\.a\] url: .* not an http\(s\) URL/],
    ['two logs with one key', `${log('a')}${log('b')}`, /logs "a" and "b" have the same key/],
    ['one key under two names', `${log('a')}${log('b', keyA.replace('cache-a-1', 'other-1'))}`, /logs "a" and "b" have the same key/],
    ['no log at all', `[query]\ntimeout = 5\n`, /no \[log\.NAME\] section/],
    ['a hexadecimal weight', `${log('a')}weight = 0x10\n`, /\[log\.a\] weight: expected a number/],
    ['a listen address without a port', `${log('a')}[serve]\nlisten = localhost\n`, /\[serve\] listen: expected HOST:PORT/],
    ['a bad serve mode', `${log('a')}[serve]\nmode = maybe\n`, /\[serve\] mode: expected "enforce" or "report"/],
    ['a log URL with a query', log('a', keyA, 'http://127.0.0.1:8081/?priority=10'), /:3 \[log\.a\] url: .* has a query or fragment/],
    ['a log URL with credentials', log('a', keyA, 'http://me:pw@127.0.0.1:8081'), /\[log\.a\] url: .* holds credentials/],
    ['an upstream URL with a query', `${log('a')}[upstream]\nurls = http://127.0.0.1:1/?x=1\n`, /\[upstream\] urls: .* has a query or fragment/],
    ['a named policy without a file', `${log('a')}[policy.strict]\n`, /\[policy\.strict\] file: missing/],
    ['a bad policy name', `${log('a')}[policy.no/slash]\nfile = x.lua\n`, /\[policy\.no\/slash\]: a policy name may hold/],
    ['a trusted-until without a zone', `${log('a')}trusted-until = 2026-10-01T00:00:00\n`, /\[log\.a\] trusted-until: expected an RFC 3339 instant/],
    ['an unknown [state] key', `${log('a')}[state]\ndirectory = /x\n`, /\[state\] directory: unknown key/],
  ] as const) {
    it(`refuses ${desc}, naming file and key`, () => {
      assert.throws(() => parseConfig(text, '/x/conf.ini'), (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, /^\/x\/conf\.ini/);
        assert.match(e.message, where);
        return true;
      });
    });
  }
});

describe('nix.conf', () => {
  it('follows include and !include, and extra- settings', () => {
    const files: Record<string, string> = {
      '/etc/nix/nix.conf': `substituters = https://cache.nixos.org/\n# comment\ninclude extra.conf\n!include missing.conf\n`,
      '/etc/nix/extra.conf': `extra-substituters = http://127.0.0.1:8081\ntrusted-public-keys = ${keyB} ${keyA.replace('cache-a-1', '127.0.0.1-1')}\n`,
    };
    const s = parseNixConf(files['/etc/nix/nix.conf']!, '/etc/nix/nix.conf', (p) => files[p]);
    assert.equal(s.get('substituters'), 'https://cache.nixos.org/ http://127.0.0.1:8081');
    const { logs, skipped } = logsFromNixConf(s, 'nix.conf');
    assert.deepEqual(logs.map((l) => [l.name, l.upstream, (l.settings as CacheSettings).key.name]), [
      ['cache.nixos.org', 'https://cache.nixos.org', 'cache.nixos.org-1'],
      ['127.0.0.1', 'http://127.0.0.1:8081', '127.0.0.1-1'],
    ]);
    assert.deepEqual(skipped, []);
  });

  it('skips, with a reason, substituters it cannot vote with', () => {
    const s = parseNixConf(`substituters = https://a.example file:///x\ntrusted-public-keys = ${keyB}\n`, 'nix.conf', () => undefined);
    const { logs, skipped } = logsFromNixConf(s, 'nix.conf');
    assert.equal(logs.length, 0);
    assert.match(skipped.join('\n'), /a\.example: no trusted-public-keys entry/);
    assert.match(skipped.join('\n'), /file:\/\/\/x: only http/);
  });

  it('refuses a missing include', () => {
    assert.throws(() => parseNixConf('include nope.conf\n', '/etc/nix/nix.conf', () => undefined), /nope\.conf cannot be read/);
  });
});
