/** The local Nix's effective settings, asked of the real nix with its configuration in a temporary directory. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { logsFromNixConf, settingsFromNixJson } from '../../src/config/nixconf.ts';
import { nixEffectiveSettings } from '../../src/host/nix.ts';
import type { CacheSettings } from '../../src/logs/index.ts';
import { generateSecretKey } from '../../src/nixfmt/index.ts';
import { hasNix } from './fixture.ts';

describe('nixEffectiveSettings', { skip: !hasNix() && 'needs nix' }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tv-nixsettings-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));
  const envFor = (confDir: string, extra: Record<string, string> = {}) => ({
    PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, NIX_CONF_DIR: confDir, NIX_USER_CONF_FILES: join(dir, 'none'), ...extra,
  });

  it("includes what only Nix's built-in defaults provide, with the conf file's extra- settings", async () => {
    const key = generateSecretKey('127.0.0.1-1').public;
    await writeFile(join(dir, 'nix.conf'), `extra-substituters = http://127.0.0.1:8081\nextra-trusted-public-keys = ${key}\n`);
    const got = nixEffectiveSettings(envFor(dir));
    assert.ok('json' in got, JSON.stringify(got));
    assert.match(got.command, /^nix (config show|show-config) --json$/);
    const { logs } = logsFromNixConf(settingsFromNixJson(got.json, got.command), got.command);
    assert.deepEqual(logs.map((l) => [l.name, l.upstream, (l.settings as CacheSettings).key.text]), [
      ['cache.nixos.org', 'https://cache.nixos.org', 'cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY='],
      ['127.0.0.1', 'http://127.0.0.1:8081', key],
    ]);
  });

  it('follows $NIX_CONFIG, as Nix does', () => {
    const got = nixEffectiveSettings(envFor(join(dir, 'no-such-dir'), { NIX_CONFIG: 'substituters = http://127.0.0.1:9' }));
    assert.ok('json' in got);
    assert.equal(settingsFromNixJson(got.json, got.command).get('substituters'), 'http://127.0.0.1:9');
  });

  it('says why when Nix refuses its configuration, and when there is no nix', () => {
    const bad = nixEffectiveSettings(envFor(dir, { NIX_CONFIG: 'this is not a setting' }));
    assert.ok('unavailable' in bad && bad.installed, JSON.stringify(bad));
    assert.match(bad.unavailable, /^nix (config show|show-config) --json: error: .*'this is not a setting'/);
    assert.deepEqual(nixEffectiveSettings({ PATH: join(dir, 'empty') }), { unavailable: 'nix is not installed', installed: false });
  });
});
