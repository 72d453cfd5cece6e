/** `trustix-vote keygen`: a signing key pair for serve, in Nix's own key format. */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { generateSecretKey } from '../nixfmt/index.ts';
import type { CliIO } from './io.ts';
import { UsageError } from './io.ts';

export const KEYGEN_HELP = `Usage: trustix-vote keygen NAME --secret FILE --public FILE

Make an ed25519 key pair in the format of nix-store --generate-binary-cache-key:
FILE contents are NAME:BASE64. The secret file is created with mode 0600 and is
never overwritten. Put the secret in [serve] signing-key and the public key in
Nix's trusted-public-keys.

Exit status: 0 on success, 2 on usage errors or when a file exists already.
`;

export async function runKeygen(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { secret: { type: 'string' }, public: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    io.stdout(KEYGEN_HELP);
    return 0;
  }
  const [name] = positionals;
  if (name === undefined || positionals.length > 1) throw new UsageError('keygen needs exactly one NAME (e.g. myhost-1)');
  if (values.secret === undefined || values.public === undefined) throw new UsageError('keygen needs --secret FILE and --public FILE');
  let pair: { secret: string; public: string };
  try {
    pair = generateSecretKey(name);
  } catch (e) {
    throw new UsageError(`bad key NAME "${name}": ${e instanceof Error ? e.message : e}`);
  }
  try {
    writeFileSync(values.secret, `${pair.secret}\n`, { mode: 0o600, flag: 'wx' });
    writeFileSync(values.public, `${pair.public}\n`, { mode: 0o644, flag: 'wx' });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  io.stdout(`${pair.public}\n`);
  return 0;
}
