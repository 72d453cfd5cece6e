/** nix.conf mode: which substituters become logs, and which configurations are refused. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/errors.ts';
import { logsFromNixConf, settingsFromNixJson } from '../../src/config/nixconf.ts';
import type { CacheSettings } from '../../src/logs/index.ts';
import { generateSecretKey } from '../../src/nixfmt/index.ts';

const bytesOf = (key: string) => key.slice(key.indexOf(':') + 1);
const K = bytesOf(generateSecretKey('x-1').public);
const K2 = bytesOf(generateSecretKey('y-1').public);
const settings = (subs: string, keys: string) => new Map([['substituters', subs], ['trusted-public-keys', keys]]);

describe('nix.conf logs', () => {
  it('refuses one key under two names: one builder is one vote', () => {
    const s = settings('http://127.0.0.1:8081 http://localhost:8081 http://127.0.0.2:8083', `127.0.0.1-1:${K} localhost-1:${K} 127.0.0.2-1:${K2}`);
    assert.throws(() => logsFromNixConf(s, '/etc/nix/nix.conf'), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.code, 'CONFIG');
      assert.match(e.message, /^\/etc\/nix\/nix\.conf trusted-public-keys: substituters http:\/\/127\.0\.0\.1:8081 and http:\/\/localhost:8081 sign with one key, named 127\.0\.0\.1-1 and localhost-1: they are one builder, not two votes/);
      return true;
    });
  });

  it('refuses two substituters matched to the same key by their host', () => {
    const s = settings('http://127.0.0.1:8081 http://127.0.0.1:8082', `127.0.0.1-1:${K}`);
    assert.throws(() => logsFromNixConf(s, 'nix.conf'), /8081 and http:\/\/127\.0\.0\.1:8082 sign with key 127\.0\.0\.1-1: they are one builder/);
  });

  it('counts a substituter listed twice once', () => {
    const s = settings('http://127.0.0.1:8081 http://127.0.0.1:8081/ http://127.0.0.2:8083', `127.0.0.1-1:${K} 127.0.0.2-1:${K2}`);
    const { logs, skipped } = logsFromNixConf(s, 'nix.conf');
    assert.deepEqual(logs.map((l) => [l.name, l.upstream]), [['127.0.0.1', 'http://127.0.0.1:8081'], ['127.0.0.2', 'http://127.0.0.2:8083']]);
    assert.deepEqual(skipped, []);
  });
});

describe("Nix's effective settings (nix show-config --json)", () => {
  for (const [file, shape] of [['show-config.json', 'Nix 2.8, recorded'], ['newer/config-show-2.33.converted.json', 'Nix >= 2.20, converted']]) {
    it(`takes the substituters Nix reports, its default cache.nixos.org included (${shape})`, async () => {
      const json = await readFile(new URL(`../data/nix-2.8/${file}`, import.meta.url), 'utf8');
      const s = settingsFromNixJson(json, 'nix show-config --json');
      assert.equal(s.get('substituters'), 'https://cache.nixos.org/ http://127.0.0.1:8081 http://127.0.0.1:8082');
      const { logs, skipped } = logsFromNixConf(s, 'nix show-config --json');
      assert.deepEqual(logs.map((l) => [l.name, l.upstream, (l.settings as CacheSettings).key.name]), [
        ['cache.nixos.org', 'https://cache.nixos.org', 'cache.nixos.org-1'],
      ]);
      assert.deepEqual(skipped, [
        'http://127.0.0.1:8081: no trusted-public-keys entry named 127.0.0.1-N',
        'http://127.0.0.1:8082: no trusted-public-keys entry named 127.0.0.1-N',
      ]);
    });
  }

  it('refuses what is not Nix settings JSON as a config error naming the command', () => {
    for (const text of ['[]', '{', '{"substituters": {"value": 3}}']) {
      assert.throws(() => settingsFromNixJson(text, 'nix config show --json'), (e: unknown) => {
        assert.ok(e instanceof ConfigError, String(e));
        assert.match(e.message, /^nix config show --json: /);
        return true;
      });
    }
  });
});
