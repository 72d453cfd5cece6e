import type { CacheSettings } from '../../src/logs/index.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig, whereIs } from '../../src/config/config.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { logsFromNixConf, parseNixConf } from '../../src/config/nixconf.ts';
import { generateSecretKey } from '../../src/nixfmt/index.ts';
import { DEFAULT_MAX_CONNECTIONS } from '../../src/server/node.ts';

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

  it('reads [publish] state relative to the file; without it nothing is published', () => {
    assert.deepEqual(parseConfig(`${log('a')}[publish]\nstate = log\n`, '/etc/trustix-vote/config.ini').publish, { stateDir: '/etc/trustix-vote/log' });
    assert.equal(parseConfig(log('a'), '/x.ini').publish, undefined);
    assert.throws(() => parseConfig(`${log('a')}[publish]\n`, '/x.ini'), /\[publish\] state: missing/);
    assert.throws(() => parseConfig(`${log('a')}[publish]\nstat = /x\n`, '/x.ini'), /\[publish\] stat: unknown key \(did you mean state\?\)/);
  });

  it('reads the journal keys of [state], trusted-until and kind = local', () => {
    const c = parseConfig(`${log('a')}trusted-until = 2026-10-01T00:00:00Z\n[log.me]\nkind = local\n[state]\nkeep-days = 30\njournal = off\ndrain-every = 0\n`, '/x.ini');
    assert.deepEqual(c.journal, { enabled: false, keepDays: 30, drainEveryMs: 0 });
    assert.equal(c.logs[0]?.trustedUntil, Date.parse('2026-10-01T00:00:00Z'));
    assert.deepEqual(c.logs.map((l) => l.kind), ['binary-cache', 'local']);
    assert.deepEqual(parseConfig(log('a'), '/x.ini').journal, { enabled: true, keepDays: 90, drainEveryMs: 60_000 });
    assert.throws(() => parseConfig(`${log('a')}trusted-until = 2026-10-01\n`, '/x.ini'), /trusted-until: expected an RFC 3339 instant with its zone/);
    assert.throws(() => parseConfig(`${log('a')}[state]\njournal = maybe\n`, '/x.ini'), /journal: expected "on" or "off"/);
    assert.throws(() => parseConfig(`${log('a')}[log.me]\nkind = local\n[log.me2]\nkind = local\n`, '/x.ini'), /one builder/);
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
    ['an unknown kind', log('a').replace('binary-cache', 'ipfs'), /\[log\.a\] kind: unknown kind "ipfs" \(supported: binary-cache, trustix, local\)/],
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

describe('config errors: file, line, section and key, unknown keys first', () => {
  const fails = (text: string): string => {
    try {
      parseConfig(text, '/x/conf.ini');
    } catch (e) {
      assert.ok(e instanceof ConfigError, String(e));
      return e.message;
    }
    return assert.fail('accepted');
  };

  it('a mistyped key is unknown, at its line, with the key it was meant to be — not the real key missing', () => {
    assert.equal(fails(`[log.a]\nkind = binary-cache\nurll = http://127.0.0.1:8081\nkey = ${keyA}\n`), '/x/conf.ini:3 [log.a] urll: unknown key (did you mean url?)');
    assert.equal(fails(`[log.a]\nkidn = binary-cache\nurl = http://127.0.0.1:8081\nkey = ${keyA}\n`), '/x/conf.ini:2 [log.a] kidn: unknown key (did you mean kind?)');
    assert.equal(fails(`${log('a')}[query]\ntimout = 5\n`), '/x/conf.ini:6 [query] timout: unknown key (did you mean timeout?)');
    assert.equal(fails(`${log('a')}[serve]\nsigningkey = /k\n`), '/x/conf.ini:6 [serve] signingkey: unknown key (did you mean signing-key?)');
    assert.equal(fails(`${log('a')}[state]\nplace = /x\n`), '/x/conf.ini:6 [state] place: unknown key (this section takes dir, keep-days, journal, drain-every)');
  });

  it('an unknown kind is told as that, before the keys only it would know', () => {
    assert.equal(fails(`[log.a]\nkind = memory\ntable = good\n`), '/x/conf.ini:2 [log.a] kind: unknown kind "memory" (supported: binary-cache, trustix, local)');
    assert.equal(fails(`[log.a]\nurl = http://127.0.0.1:1\ntable = good\n`), '/x/conf.ini:3 [log.a] table: unknown key (this section takes kind, weight, trusted-until, url, key, log-id)');
  });

  it('a log kind\'s own keys are known from LogKind.keys', () => {
    assert.match(fails(`${log('a')}weight = 1\nurl2 = x\n`), /:6 \[log\.a\] url2: unknown key \(did you mean url\?\)/);
  });

  it('the same key twice names the line of the second', () => {
    assert.equal(fails(`${log('a')}${log('b')}`), '/x/conf.ini:8 [log.b] key: logs "a" and "b" have the same key: they are one builder, not two votes');
  });

  it('a bad URL names its line', () => {
    assert.match(fails(log('a', keyA, 'not a url')), /^\/x\/conf\.ini:3 \[log\.a\] url: "not a url" is not a URL$/);
  });

  it('keeps every key\'s line for errors found later (a policy file that cannot be read)', () => {
    const c = parseConfig(`${log('a')}[policy]\nfile = p.lua\n[serve]\nsigning-key = k\n`, '/x/conf.ini');
    assert.deepEqual(whereIs(c, 'policy', 'file'), { section: 'policy', key: 'file', line: 6 });
    assert.deepEqual(whereIs(c, 'serve', 'signing-key'), { section: 'serve', key: 'signing-key', line: 8 });
    assert.deepEqual(whereIs(c, 'serve', 'listen'), { section: 'serve', key: 'listen', line: 7 }, 'a key not given: its section');
  });
});

describe('[serve] max-connections', () => {
  it('is read, defaults to serve\'s own default, and must be a whole number > 0', () => {
    assert.equal(parseConfig(`${log('a')}[serve]\nmax-connections = 64\n`, '/x.ini').serve.maxConnections, 64);
    assert.equal(parseConfig(log('a'), '/x.ini').serve.maxConnections, DEFAULT_MAX_CONNECTIONS);
    assert.throws(() => parseConfig(`${log('a')}[serve]\nmax-connections = 0\n`, '/x.ini'), /:6 \[serve\] max-connections: expected a number from 1/);
  });
});

describe('[serve] nar-urls', () => {
  it('is serve by default, upstream when asked, and anything else names the key', () => {
    assert.equal(parseConfig(log('a'), '/x.ini').serve.narUrls, 'serve');
    assert.equal(parseConfig(`${log('a')}[serve]\nnar-urls = upstream\n`, '/x.ini').serve.narUrls, 'upstream');
    assert.throws(() => parseConfig(`${log('a')}[serve]\nnar-urls = direct\n`, '/x.ini'), /:6 \[serve\] nar-urls: expected "serve" or "upstream"/);
  });
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
