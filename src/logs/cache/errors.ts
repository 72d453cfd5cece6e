/** One-line reasons for what went wrong talking to a cache, and which failures merit a retry. */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as { code?: unknown }).code;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    EHOSTUNREACH: 'host unreachable',
    ENOTFOUND: 'host not found',
    UND_ERR_SOCKET: 'connection closed by the server',
    UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
    BODY_TOO_LARGE: e.message,
  };
  if (typeof code === 'string' && code in known) return known[code] ?? code;
  return e.message.split('\n')[0] ?? e.name;
}

export function isTransient(e: unknown): boolean {
  const status = (e as { status?: unknown } | null)?.status;
  if (typeof status === 'number') return status >= 500 || status === 429;
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(ECONNRESET|UND_ERR_SOCKET|EPIPE)$/.test(code);
}
