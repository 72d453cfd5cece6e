/**
 * Trustix protocols: what kind of build a log records. A log ID binds its
 * protocol's UUID; on the wire (`Log.Protocol`) a protocol is always its UUID,
 * while configs may name it. Both use SHA-256 for every hash.
 *
 *   nix   5138a791-8d00-4182-96bc-f1f2688cdde2
 *   test  cddab738-75cf-4685-94e2-4df58a0f51e7
 */

import { TrustixError } from './errors.ts';

export interface Protocol {
  readonly name: 'nix' | 'test';
  readonly id: string;
}

export const NIX_PROTOCOL: Protocol = { name: 'nix', id: '5138a791-8d00-4182-96bc-f1f2688cdde2' };
export const TEST_PROTOCOL: Protocol = { name: 'test', id: 'cddab738-75cf-4685-94e2-4df58a0f51e7' };
export const PROTOCOLS: readonly Protocol[] = [TEST_PROTOCOL, NIX_PROTOCOL];

/** The protocol with this name or UUID. */
export function resolveProtocol(nameOrId: string): Protocol {
  const p = PROTOCOLS.find((x) => x.name === nameOrId || x.id === nameOrId);
  if (p === undefined) throw new TrustixError('unknown-protocol', `unknown Trustix protocol ${JSON.stringify(nameOrId.slice(0, 100))}`);
  return p;
}
