/**
 * Errors of our own log, each with a stable code, and how the node answers them.
 *
 *   LogStateError   the state directory or its database is not a usable log (CLI exit 2)
 *   ConnectFailure  a request the node refuses: a Connect code and a one-line message,
 *                   sent as {"code":"…","message":"…"} with the code's HTTP status
 *
 * Example: new ConnectFailure('out_of_range', 'Finish 12 is past the last entry (TreeSize 12)')
 * → HTTP 400 {"code":"out_of_range","message":"Finish 12 is past the last entry (TreeSize 12)"}
 */

import type { ConnectCode } from '../trustix/index.ts';

export class LogStateError extends Error {
  readonly code = 'FILE';
}

export const CONNECT_STATUS: Readonly<Record<ConnectCode, number>> = {
  canceled: 408, unknown: 500, invalid_argument: 400, deadline_exceeded: 408, not_found: 404, already_exists: 409,
  permission_denied: 403, resource_exhausted: 429, failed_precondition: 412, aborted: 409, out_of_range: 400,
  unimplemented: 404, internal: 500, unavailable: 503, data_loss: 500, unauthenticated: 401,
};

export class ConnectFailure extends Error {
  readonly connectCode: ConnectCode;

  constructor(code: ConnectCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConnectFailure';
    this.connectCode = code;
  }

  get status(): number {
    return CONNECT_STATUS[this.connectCode];
  }
}
