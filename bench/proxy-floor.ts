/**
 * The floor under serve's walk: a process that does only what serve's shape forces on it.
 * For each `/<hash>.narinfo` it fetches the same narinfo from every upstream (undici, the
 * same agent settings as serve's HTTP client) and answers with the first one's bytes: no
 * parsing, no signatures, no vote, no journal, no signing. What a walk through it costs
 * over Nix's direct walk is what four fetches and one more hop cost on this machine.
 *
 * Run: node --import tsx bench/proxy-floor.ts PORT_FILE UPSTREAM...   (prints nothing; writes its URL to PORT_FILE)
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';

const [portFile, ...upstreams] = process.argv.slice(2);
if (portFile === undefined || upstreams.length === 0) throw new Error('usage: proxy-floor.ts PORT_FILE UPSTREAM...');
const agent = new Agent({ connections: 32, keepAliveTimeout: 30_000, pipelining: 1 });

async function fetchText(url: string): Promise<{ status: number; body: string }> {
  const res = await request(url, { dispatcher: agent });
  return { status: res.statusCode, body: await res.body.text() };
}

const server = createServer((req, res) => {
  const target = req.url ?? '/';
  if (target === '/nix-cache-info') {
    res.writeHead(200, { 'content-type': 'text/x-nix-cache-info' }).end('StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 30\n');
    return;
  }
  Promise.all(upstreams.map((u) => fetchText(`${u}${target}`))).then((answers) => {
    const first = answers[0]!;
    const ok = answers.every((a) => a.status === 200);
    const body = ok ? first.body : 'not found\n';
    res.writeHead(ok ? 200 : 404, { 'content-type': 'text/x-nix-narinfo', 'content-length': String(Buffer.byteLength(body)) }).end(body);
  }, () => {
    res.writeHead(502).end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  writeFileSync(portFile, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => process.exit(0));
