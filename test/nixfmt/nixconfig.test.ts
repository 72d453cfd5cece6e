// Nix's effective settings as JSON: recorded `nix show-config --json` of Nix 2.8
// (test/data/nix-2.8/show-config.json, with substituters and keys set via NIX_CONFIG)
// and a converted sample of the `nix config show --json` shape of newer Nix.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  parseNixConfigJson, parsePublicKey, settingBoolean, settingNumber, settingString, settingStrings,
} from '../../src/nixfmt/index.ts';
import { throwsCode } from './throws.ts';

const read = (p: string): string => readFileSync(new URL(`../data/nix-2.8/${p}`, import.meta.url), 'utf8');
const SUBSTITUTERS = ['https://cache.nixos.org/', 'http://127.0.0.1:8081', 'http://127.0.0.1:8082'];
const KEYS = ['cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=', 'nixfmt-test-1:+MU1Xof1RT9DS1t35NQ0NZUBK5R1OHCAFYL36Nj1g5E='];

test('recorded Nix 2.8: the effective values, extra-substituters merged, typed accessors', () => {
  const s = parseNixConfigJson(read('show-config.json'));
  assert.equal(s.size, 91);
  assert.deepEqual(settingStrings(s, 'substituters'), SUBSTITUTERS);
  assert.deepEqual(settingStrings(s, 'trusted-public-keys'), KEYS);
  assert.deepEqual(settingStrings(s, 'trusted-public-keys')?.map((k) => parsePublicKey(k).name), ['cache.nixos.org-1', 'nixfmt-test-1']);
  assert.deepEqual(settingStrings(s, 'trusted-substituters'), []);
  assert.equal(settingBoolean(s, 'require-sigs'), true);
  assert.equal(settingBoolean(s, 'sandbox'), false);
  assert.equal(settingNumber(s, 'max-jobs'), 1);
  assert.equal(settingString(s, 'system'), 'x86_64-linux');
  assert.deepEqual(s.get('access-tokens'), {});
  assert.equal(s.has('extra-substituters'), false);
  assert.equal(settingStrings(s, 'no-such-setting'), undefined);
});

test('Nix 2.8 prints experimental-features as enum numbers: asking for names fails, naming the setting', () => {
  const s = parseNixConfigJson(read('show-config.json'));
  assert.deepEqual(s.get('experimental-features'), [0, 3]);
  throwsCode(() => settingStrings(s, 'experimental-features'), 'nix-config-bad-value', 'experimental-features');
});

test('newer `nix config show --json` (converted sample) gives the same values, features by name', () => {
  const old = parseNixConfigJson(read('show-config.json'));
  const s = parseNixConfigJson(read('newer/config-show-2.33.converted.json'));
  for (const [k, v] of s) if (k !== 'experimental-features') assert.deepEqual(v, old.get(k), k);
  assert.deepEqual(settingStrings(s, 'experimental-features'), ['ca-derivations', 'nix-command']);
});

test('a whitespace-separated string value is split like nix.conf', () => {
  const s = parseNixConfigJson(JSON.stringify({ substituters: { value: ' https://a/  https://b/ ' } }));
  assert.deepEqual(settingStrings(s, 'substituters'), ['https://a/', 'https://b/']);
});

const bad: Array<{ desc: string; text: string; wantErr: string }> = [
  { desc: 'plain `nix config show` text', text: 'substituters = https://cache.nixos.org/\n', wantErr: 'nix-config-bad-json' },
  { desc: 'a list', text: '[]', wantErr: 'nix-config-bad-shape' },
  { desc: 'a flat {name: value} object', text: JSON.stringify({ substituters: ['https://a/'] }), wantErr: 'nix-config-bad-shape' },
  { desc: 'an entry without value', text: JSON.stringify({ substituters: { defaultValue: [] } }), wantErr: 'nix-config-bad-shape' },
];
for (const c of bad) {
  test(`parseNixConfigJson rejects: ${c.desc}`, () => throwsCode(() => parseNixConfigJson(c.text), c.wantErr));
}

test('accessors refuse a value of another type, naming the setting', () => {
  const s = parseNixConfigJson(read('show-config.json'));
  throwsCode(() => settingStrings(s, 'max-jobs'), 'nix-config-bad-value', 'max-jobs');
  throwsCode(() => settingBoolean(s, 'substituters'), 'nix-config-bad-value', 'substituters');
  throwsCode(() => settingString(s, 'sandbox'), 'nix-config-bad-value', 'sandbox');
  throwsCode(() => settingNumber(s, 'system'), 'nix-config-bad-value', 'system');
});
