/** Errors become one line a person can act on, and an exit status. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs } from 'node:util';
import { exitStatusOf } from '../../src/cli/status.ts';

/** What parseArgs throws for these arguments, as the CLI prints it. */
function printed(args: string[], allowPositionals = true): { status: number; message: string } {
  try {
    parseArgs({ args, allowPositionals, options: { json: { type: 'boolean' }, config: { type: 'string' } } });
  } catch (e) {
    return exitStatusOf(e);
  }
  throw new Error('parseArgs accepted the arguments');
}

describe('exitStatusOf: parseArgs errors', () => {
  for (const [args, want, positionals] of [
    [['--jsn', '/nix/store/x'], "unknown option '--jsn' (see --help)", true],
    [['-x'], "unknown option '-x' (see --help)", false],
    [['--config'], "option '--config' wants a value (see --help)", true],
    [['--config', '-x'], "option '--config' wants a value (for one that starts with '-', write --config=-VALUE) (see --help)", true],
    [['--json=yes'], "option '--json' takes no value (see --help)", true],
    [['stray'], "unexpected argument 'stray' (this command takes none) (see --help)", false],
  ] as const) {
    it(`${args.join(' ')} → ${want}`, () => {
      const got = printed([...args], positionals);
      assert.equal(got.status, 2);
      assert.equal(got.message, want);
      assert.equal((got.message.match(/'/g) ?? []).length % 2, 0, 'quotes balanced');
    });
  }
});
