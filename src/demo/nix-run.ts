/** Running real Nix for the demo and the tests, isolated from the machine's settings. */
import { execa } from 'execa';

export function demoNixEnv(extra: Record<string, string> = {}): Record<string, string> {
  const conf = [
    'experimental-features = nix-command',
    'sandbox = false',
    'build-users-group =',
    'substituters =',
    'narinfo-cache-negative-ttl = 0',
    'narinfo-cache-positive-ttl = 0',
  ];
  return { NIX_CONFIG: conf.join('\n'), ...extra };
}

export async function nix(cmd: string, args: readonly string[], env: Record<string, string> = demoNixEnv(), signal?: AbortSignal): Promise<string> {
  const res = await execa(cmd, args, { env, stdin: 'ignore', reject: false, ...(signal && { cancelSignal: signal }) });
  if (res.isCanceled) throw new Error(`${cmd} stopped: ${String(signal?.reason ?? 'aborted')}`, { cause: signal?.reason });
  if (res.exitCode !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${res.exitCode}): ${String(res.stderr).trim().split('\n').slice(-3).join(' | ')}`);
  }
  return String(res.stdout).trim();
}
