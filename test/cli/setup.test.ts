/** What check and serve share: a policy file the config names but nobody can read is told at its line. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig, setup } from '../../src/cli/setup.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { generateSecretKey } from '../../src/nixfmt/index.ts';
import { fakeIO } from './run.ts';

const key = generateSecretKey('cache-a-1').public;
const text = `[log.a]\nkind = binary-cache\nurl = http://127.0.0.1:9\nkey = ${key}\n[policy.strict]\nfile = /nonexistent/strict.lua\n`;

describe('setup', () => {
  it('a policy file that cannot be read: file, line, section and key', async () => {
    const io = fakeIO({ readFile: (p) => (p === '/etc/tv.ini' ? text : undefined) });
    const config = loadConfig(io, '/etc/tv.ini');
    await assert.rejects(setup(io, { config }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message, '/etc/tv.ini:6 [policy.strict] file: cannot read /nonexistent/strict.lua');
      return true;
    });
  });

  it('the default policy runs in JS; a policy file in the Lua sandbox, on a worker thread', async () => {
    const io = fakeIO({ readFile: (p) => (p === '/etc/tv.ini' ? text.replace(/\[policy\.strict\][^]*$/, '') : p === '/p.lua' ? 'return function() return nil end\n' : undefined) });
    const config = loadConfig(io, '/etc/tv.ini');
    const plain = await setup(io, { config });
    const lua = await setup(io, { config, policyFile: '/p.lua' });
    try {
      assert.equal(Object.getPrototypeOf(plain.policies[0]!.policy), Object.prototype, 'a plain object: the JS default (vote/default-policy.ts), no Lua state');
      assert.equal((plain.policies[0]!.policy as { started?: number }).started, undefined, 'no worker for the default');
      assert.equal((lua.policies[0]!.policy as { started?: number }).started, 1, 'the Lua sandbox on its worker (host/policy-worker.ts)');
    } finally {
      await plain.close();
      await lua.close();
    }
  });
});
