/**
 * Kind `trustix`: one log on a Trustix node (Connect over HTTP), read and verified
 * here; the node is trusted for nothing.
 *
 *   [log.builder-b]
 *   kind = trustix
 *   url = http://127.0.0.1:8090     ; the node; a path prefix is kept, no query or fragment
 *   key = BASE64_ED25519_PUBLIC_KEY ; the log's signing key (44 characters)
 *   log-id = HEX                    ; optional: must be the key's log ID under protocol nix
 *
 * Asked by full store path (a Trustix map is keyed by it): the engine learns the
 * path from the logs that answer by hash part. The node holds no NARs, so it is no
 * upstream. heads.ts keeps the signed head honest across runs (state directory),
 * source.ts proves each answer against it.
 */
import { NIX_PROTOCOL, deriveLogId, parseLogId, parseLogKey, type LogId, type LogKey } from '../../trustix/index.ts';
import { createTrustixClient } from '../../trustix/client.ts';
import type { LogKind } from '../types.ts';
import { faultOfStep, StepFault } from './faults.ts';
import { createHeadKeeper } from './heads.ts';
import { createLookup } from './source.ts';

export interface TrustixSettings {
  readonly url: string;
  readonly key: LogKey;
  readonly logId: LogId;
}

export const trustixLog: LogKind<TrustixSettings> = {
  kind: 'trustix',
  keys: ['url', 'key', 'log-id'],
  parse(r) {
    const url = r.required('url', nodeUrl);
    const key = r.required('key', (v) => parseLogKey(v));
    const derived = deriveLogId(NIX_PROTOCOL, key);
    const logId = r.optional('log-id', (v) => {
      const id = parseLogId(v.toLowerCase());
      if (id !== derived) throw new Error(`${id} is not the log ID of this key under protocol nix (${derived}); leave log-id out to use that`);
      return id;
    }) ?? derived;
    return { settings: { url, key, logId }, identity: key.raw };
  },
  create(cfg, ctx) {
    const { url, key, logId } = cfg.settings;
    const client = createTrustixClient({ ops: ctx.ops, url, timeoutMs: ctx.timeoutMs });
    const heads = createHeadKeeper({ ops: ctx.ops, state: ctx.state, verify: ctx.verify, client, log: cfg.name, url, logId, key });
    const lookup = createLookup({ ops: ctx.ops, client, heads, log: cfg.name, logId });
    /** A fault this kind decided is the answer; anything else is for ../limits.ts. */
    const settle = (e: unknown) => {
      if (e instanceof StepFault) return e.answer;
      const f = faultOfStep('lookup', e);
      if (f !== undefined) return f;
      throw e;
    };
    return {
      addressing: 'store-path',
      start: (signal) => heads.current(signal).then(() => undefined, settle),
      ask: (q, signal) => lookup(q, signal).catch(settle),
    };
  },
};

/** An http(s) URL without trailing slashes; a query, fragment or credentials are refused. */
export function nodeUrl(v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new Error(`"${v}" is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`"${v}" is not an http(s) URL (a Trustix node behind a unix socket needs a proxy)`);
  if (u.search !== '' || u.hash !== '' || v.includes('?') || v.includes('#')) throw new Error(`"${v}" has a query or fragment; procedures are appended to it`);
  if (u.username !== '' || u.password !== '') throw new Error(`"${v}" holds credentials; they would be shown in messages`);
  return v.replace(/\/+$/, '');
}
