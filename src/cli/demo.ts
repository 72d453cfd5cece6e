/**
 * `trustix-vote demo`: three real signed binary caches built with real Nix on this
 * machine — two honest builders and one that lies about a path — served on
 * 127.0.0.1, and `check` run over a small closure.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildDemoCaches, forget, type DemoBuild } from '../demo/caches.ts';
import { serveDirectory, type StaticCache } from '../demo/static.ts';
import { runCheck } from './check.ts';
import type { CliIO } from './io.ts';

export const DEMO_HELP = `Usage: trustix-vote demo [--keep] [--dir DIR] [--json]

Build a small closure with real Nix as three independent builders would, publish
it to three signed binary caches on 127.0.0.1 and run 'trustix-vote check' on it:

  app ─┬─ contested ── libfoo      cache-a, cache-b: honest builders
       └─ rare                     cache-c: builds 'contested' with other input (lies)
                                   'rare' is published by cache-a only

Needs Nix (single-user as root is enough). Everything it makes is removed when it
ends, also on Ctrl-C: the caches and their secret keys in a temporary directory,
and a few tiny paths in /nix/store.

Options
  --keep       after check, keep the caches running and print the check command to
               try them yourself (other targets, --policy, --json); Ctrl-C stops
               the caches and removes everything
  --dir DIR    work directory, left in place afterwards (default: a new one under
               $TMPDIR, removed)
  --json       pass --json to check
  -h, --help   show this help

Exit status: 0 when the demo ran and the verdicts are the expected ones, 1 otherwise,
130 when interrupted before check finished.
`;

export async function runDemo(argv: readonly string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      dir: { type: 'string' },
      keep: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(DEMO_HELP);
    return 0;
  }
  const say = (s: string) => io.stderr(`demo: ${s}\n`);
  const temporary = values.dir === undefined;
  const dir = values.dir ?? (await mkdtemp(join(io.env['TMPDIR'] ?? tmpdir(), 'trustix-vote-demo-')));
  const servers: StaticCache[] = [];
  let built: DemoBuild | undefined;
  try {
    say(`building with real Nix in ${dir} …`);
    built = await buildDemoCaches(dir, randomBytes(6).toString('hex'), [
      { name: 'cache-a', flavour: 'honest', publish: ['app'] },
      { name: 'cache-b', flavour: 'honest', publish: ['app'], omit: ['rare'] },
      { name: 'cache-c', flavour: 'tampered', publish: ['app'], omit: ['rare'] },
    ], io.signal);
    const build = built;
    for (const c of build.caches) servers.push(await serveDirectory(c.dir));
    const config = join(dir, 'trustix-vote.ini');
    await writeFile(config, demoConfig(build.caches.map((c, i) => ({ name: c.name, key: c.publicKey, url: servers[i]?.url ?? '' }))));
    say(`caches: ${build.caches.map((c, i) => `${c.name} ${servers[i]?.url}`).join(', ')}`);
    say(`voting on the closure of ${build.paths.app} (trustix-vote check)`);
    let output = '';
    const status = await runCheck(['--config', config, ...(values.json ? ['--json'] : []), build.paths.app], {
      ...io,
      stdout: (s) => {
        output += s;
        io.stdout(s);
      },
    });
    if (io.signal.aborted) return interrupted(say, temporary);
    const expected = status === 1 && /rare/.test(output);
    say(expected
      ? "as expected: cache-c's 'contested' was outvoted 2 of 3, and 'rare' (one builder only) would be rebuilt locally"
      : `unexpected result (check exited ${status})`);
    if (values.keep) {
      say('the caches keep running until Ctrl-C; try them yourself:');
      say(`  trustix-vote check --config ${config} ${build.paths.app}`);
      await aborted(io.signal);
      say(temporary ? 'stopping the caches and removing the demo' : `stopping the caches; ${dir} is left in place`);
    } else if (!temporary) {
      say(`the caches are stopped; ${dir} is left in place`);
    }
    return expected ? 0 : 1;
  } catch (e) {
    if (io.signal.aborted) return interrupted(say, temporary);
    throw e;
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    if (built !== undefined) await forget(Object.values(built.paths)).catch(() => undefined);
    if (temporary) await rm(dir, { recursive: true, force: true });
  }
}

function interrupted(say: (s: string) => void, temporary: boolean): number {
  say(`interrupted${temporary ? '; removing the demo' : ''}`);
  return 130;
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

function demoConfig(logs: readonly { name: string; key: string; url: string }[]): string {
  const sections = logs.map((l) => `[log.${l.name}]\nkind = binary-cache\nurl = ${l.url}\nkey = ${l.key}\n`);
  return `; written by trustix-vote demo\n[query]\ntimeout = 5\ndeadline = 60\n\n${sections.join('\n')}`;
}
