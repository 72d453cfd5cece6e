/**
 * What goes into a Nix log: one item per store path, key = the full path (UTF-8),
 * value = trustix-nix's narinfo JSON (SPEC §5.3) with the NarHash in Nix's canonical
 * narinfo spelling, so the value does not depend on which Nix printed the facts:
 *
 *   /nix/store/klb7…-hello-2.12.1 →
 *   {"path":"/nix/store/klb7…-hello-2.12.1","narHash":"sha256:0rnl…","narSize":226560,
 *    "references":["/nix/store/…-glibc-2.38-44","/nix/store/klb7…-hello-2.12.1"]}
 *
 * checkItem is what every submission passes before it is appended, whoever built
 * it: under the `nix` protocol the key must be a store path and the value a Trustix
 * value for exactly that path; under `test`, any non-empty key.
 */

import { sha256 } from '../merkle/index.ts';
import { parseStorePath } from '../nixfmt/index.ts';
import type { PathFacts } from '../nixfmt/index.ts';
import { decodeValue, encodeValue } from '../trustix/index.ts';
import type { Protocol } from '../trustix/index.ts';
import { ConnectFailure } from './errors.ts';
import type { Item } from './log.ts';

const MAX_KEY_BYTES = 4096;
const MAX_VALUE_BYTES = 1 << 20;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function itemOf(facts: PathFacts): Item {
  return {
    key: new TextEncoder().encode(facts.path),
    value: encodeValue({ path: facts.path, narHash: facts.narHash, narSize: facts.narSize, references: facts.references }),
  };
}

/** Refuses, as invalid_argument, an item this log must not hold. */
export function checkItem(protocol: Protocol, item: Item, where: string): void {
  if (item.key.length === 0 || item.key.length > MAX_KEY_BYTES) throw new ConnectFailure('invalid_argument', `${where}: Key is ${item.key.length} bytes (1 to ${MAX_KEY_BYTES})`);
  if (item.value.length > MAX_VALUE_BYTES) throw new ConnectFailure('invalid_argument', `${where}: Value is over ${MAX_VALUE_BYTES} bytes`);
  if (protocol.name !== 'nix') return;
  try {
    const path = parseStorePath(utf8.decode(item.key));
    decodeValue(item.value, { digest: sha256(item.value), path });
  } catch (e) {
    throw new ConnectFailure('invalid_argument', `${where}: not a Nix log entry (key: a store path, value: its path-info JSON): ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
