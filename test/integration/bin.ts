/**
 * The bin as users run it, for the few tests about the process itself (shebang, exit
 * status, signals, socket activation): dist/cli/main.js, executed directly, starts in
 * 0.3 s. When dist/ is missing or older than src/, src/cli/main.ts runs through tsx
 * instead (1.4 s) and a line on stderr says so: a stale build is never what is tested.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
export const DIST_MAIN = join(ROOT, 'dist/cli/main.js');

function newest(dir: string, ext: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p, ext));
    else if (e.name.endsWith(ext)) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

let chosen: { readonly file: string; readonly args: readonly string[] } | undefined;

/** The command that runs `trustix-vote`: file and leading arguments. */
export function bin(): { readonly file: string; readonly args: readonly string[] } {
  if (chosen !== undefined) return chosen;
  // tsc writes every output of a build, so a fresh dist/ has a file newer than any source.
  const fresh = existsSync(DIST_MAIN) && newest(join(ROOT, 'dist'), '.js') >= newest(join(ROOT, 'src'), '.ts');
  if (!fresh) process.stderr.write('dist/ is missing or older than src/: running src/cli/main.ts through tsx (npm run build makes these tests faster)\n');
  chosen = fresh ? { file: DIST_MAIN, args: [] } : { file: process.execPath, args: ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')] };
  return chosen;
}
