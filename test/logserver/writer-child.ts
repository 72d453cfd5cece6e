/**
 * A writer for crash tests: appends batches of synthetic Nix entries to the log at
 * argv[2] as fast as it can, and prints "acked <first index> <count>" after each
 * commit returns. The test kills it (SIGKILL) at a random moment, mostly inside a
 * transaction, since that is where it spends its time.
 */
import { sha256, toHex } from '../../src/merkle/index.ts';
import { appendItems, openLog } from '../../src/logserver/log.ts';
import { SECRET } from './fixture.ts';

const [file = '', prefix = 'w', batches = '1000000', size = '50'] = process.argv.slice(2);
const log = openLog(file);
for (let b = 0; b < Number(batches); b++) {
  const items = Array.from({ length: Number(size) }, (_, i) => {
    const path = `/nix/store/${toHex(sha256(new TextEncoder().encode(`${prefix}-${b}-${i}`))).slice(0, 32).replace(/[eotu]/g, 'a')}-crash-${prefix}-${b}-${i}`;
    return {
      key: new TextEncoder().encode(path),
      value: new TextEncoder().encode(`{"path":"${path}","narHash":"sha256:0rnlhm6fhsp6qw748zyfyzw6fp6w9z6yzj32jqzwiww02rhwyzww","narSize":${b},"references":[]}`),
    };
  });
  const r = appendItems(log, items, SECRET.sign);
  const first = r.outcomes[0];
  process.stdout.write(`acked ${prefix}-${b} ${first?.index ?? -1} ${items.length}\n`);
}
log.db.close();
