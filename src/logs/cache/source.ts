/** One try at one narinfo: fetch, parse, check the path and this log's signature. */
import { miss, fault, type Answer, type Claim, type Question } from '../../claims.ts';
import { caProvesFacts, findNarInfoSig, hashPartOf, MAX_NARINFO_BYTES, parseNarInfo, type NarInfo } from '../../nixfmt/index.ts';
import { HttpStatusError } from '../limits.ts';
import type { KindSource, LogConfig, LogContext } from '../types.ts';
import type { CacheSettings } from './kind.ts';

export function createCacheSource(log: LogConfig<CacheSettings>, ctx: LogContext): KindSource {
  const { ops, verify, timeoutMs } = ctx;
  const cfg = log.settings;
  const base = cfg.url;

  async function ask(q: Question, signal: AbortSignal): Promise<Answer> {
    const res = await ops.fetchText(`${base}/${q.hashPart}.narinfo`, { signal, timeoutMs, maxBytes: MAX_NARINFO_BYTES });
    if (res.status === 404 || res.status === 403 || res.status === 410) return miss('not-found', `no narinfo (HTTP ${res.status})`);
    if (res.status !== 200) throw new HttpStatusError(res.status);
    return judge(res.text, q);
  }

  async function judge(text: string, q: Question): Promise<Answer> {
    let info: NarInfo;
    try {
      info = parseNarInfo(text);
    } catch (e) {
      return fault('malformed', `malformed narinfo: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (hashPartOf(info.path) !== q.hashPart || (q.path !== undefined && info.path !== q.path)) {
      return fault('wrong-path', `narinfo for ${q.hashPart} names another path: ${info.path}`);
    }
    const found = await findNarInfoSig(info, cfg.key, verify);
    if (found.status === 'invalid') return fault('bad-signature', `bad signature by ${cfg.key.name}`);
    const selfProving = info.ca === undefined ? undefined : caProvesFacts(info);
    if (selfProving !== undefined && selfProving !== true && selfProving.code !== 'ca-weak-hash') {
      return fault('bad-content-address', `CA ${info.ca} does not prove ${info.path}: ${selfProving.reason}`);
    }
    // A content-addressed path needs no signature: any log serving it is a fine source.
    if (selfProving === true) return { outcome: 'vote', claim: claimOf(info, { kind: 'content-address', ca: info.ca as string }) };
    if (found.status === 'absent') return miss('other-key', otherKeys(info, cfg.key.name));
    return { outcome: 'vote', claim: claimOf(info, { kind: 'narinfo-signature', keyName: cfg.key.name, fingerprint: found.fingerprint, sig: found.sig }) };
  }

  function claimOf(info: NarInfo, proof: Claim['proof']): Claim {
    return {
      log: log.name,
      path: info.path,
      narHash: info.narHash,
      narSize: info.narSize,
      references: info.references,
      ...(info.deriver !== undefined && { deriver: info.deriver }),
      ...(info.ca !== undefined && { ca: info.ca }),
      proof,
      upstream: {
        url: base, narUrl: info.url, compression: info.compression,
        ...(info.fileHash !== undefined && { fileHash: info.fileHash }),
        ...(info.fileSize !== undefined && { fileSize: info.fileSize }),
      },
    };
  }

  return { addressing: 'hash-part', ask };
}

/** A copy signed by other builders says nothing of this one; usually a key set up wrong. */
function otherKeys(info: NarInfo, ours: string): string {
  const names = [...new Set(info.sigs.map((s) => s.slice(0, Math.max(0, s.indexOf(':')))).filter((n) => n !== ''))];
  if (names.length === 0) return `narinfo is unsigned, not signed by this log's key ${ours}`;
  return `signed by ${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}, not by this log's key ${ours}`;
}
