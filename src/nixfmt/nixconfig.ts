/**
 * The effective Nix settings, from `nix show-config --json` (Nix 2.8 … 2.19) or
 * `nix config show --json` (Nix >= 2.20). Both print one object keyed by setting name:
 *
 *   {"substituters": {"value": ["https://cache.nixos.org/", "http://127.0.0.1:8081"],
 *                     "defaultValue": ["https://cache.nixos.org/"], "aliases": ["binary-caches"],
 *                     "description": "…", "documentDefault": true},            (recorded, Nix 2.8)
 *    "max-jobs": {"value": 1, …}, "sandbox": {"value": false, …}, "access-tokens": {"value": {}, …}, …}
 *
 * Nix >= 2.16 adds "experimentalFeature" to each entry. `extra-*` settings are already merged into
 * their base setting. Values are typed JSON: lists, numbers, booleans, strings, objects, null.
 * Nix 2.8 and 2.9 print experimental-features as enum numbers ([0, 3]), later Nix as names.
 * parseNixConfigJson keeps each `value`; the accessors below narrow one setting to the type
 * the caller needs and fail with NixFormatError (field = the setting) when it has another type.
 */

import { NixFormatError } from './errors.ts';

export type NixSettingValue = string | number | boolean | null | readonly NixSettingValue[] | { readonly [key: string]: NixSettingValue };
export type NixSettings = ReadonlyMap<string, NixSettingValue>;

const SHAPE = 'expected the output of `nix show-config --json` (Nix 2.8 … 2.19) or `nix config show --json` (Nix >= 2.20)';

export function parseNixConfigJson(text: string): NixSettings {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new NixFormatError('nix-config-bad-json', `Nix settings are not JSON (was --json given?); ${SHAPE}`, { cause });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new NixFormatError('nix-config-bad-shape', `Nix settings are not an object; ${SHAPE}`);
  const out = new Map<string, NixSettingValue>();
  for (const [name, entry] of Object.entries(doc)) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry) || !('value' in entry)) {
      throw new NixFormatError('nix-config-bad-shape', `setting ${JSON.stringify(name)} is not {"value", …}; ${SHAPE}`, { field: name });
    }
    out.set(name, (entry as { value: NixSettingValue }).value);
  }
  return out;
}

function wrongType(name: string, v: NixSettingValue, want: string): NixFormatError {
  return new NixFormatError('nix-config-bad-value', `setting ${name} is ${JSON.stringify(v).slice(0, 200)}, not ${want}`, { field: name });
}

/** A list setting (substituters, trusted-public-keys, …); a string value is split at whitespace like nix.conf. */
export function settingStrings(settings: NixSettings, name: string): string[] | undefined {
  const v = settings.get(name);
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v.split(/\s+/).filter((w) => w !== '');
  if (Array.isArray(v) && v.every((x): x is string => typeof x === 'string')) return [...v];
  throw wrongType(name, v, 'a list of strings');
}

export function settingString(settings: NixSettings, name: string): string | undefined {
  const v = settings.get(name);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw wrongType(name, v, 'a string');
  return v;
}

export function settingBoolean(settings: NixSettings, name: string): boolean | undefined {
  const v = settings.get(name);
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw wrongType(name, v, 'a boolean');
  return v;
}

export function settingNumber(settings: NixSettings, name: string): number | undefined {
  const v = settings.get(name);
  if (v === undefined) return undefined;
  if (typeof v !== 'number') throw wrongType(name, v, 'a number');
  return v;
}
