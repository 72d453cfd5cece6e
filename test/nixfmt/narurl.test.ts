// narinfo URL: relative (what `nix copy` writes) or absolute (allowed by Nix; cache
// operators point it at a mirror). parse/format keep it as written; resolveNarUrl says
// where to fetch and refuses forms old and new Nix would resolve differently.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { formatNarInfo, isAbsoluteNarUrl, parseNarInfo, resolveNarUrl } from '../../src/nixfmt/index.ts';
import { throwsCode } from './throws.ts';

const TOP_TEXT = readFileSync(new URL('../data/nix-2.8/cache/2mk5hy75x2b25h13pfppmk1padmmaw32.narinfo', import.meta.url), 'utf8');
const REL = 'nar/1xzayav35l9gcyxdjpxnls63fg4njbkq8r0rigjpdnx029bavv7n.nar.xz';
const ABS = `https://mirror.example.net/cache/${REL}`;

test('an absolute URL parses, is kept as written, and formats back byte for byte', () => {
  const text = TOP_TEXT.replace(`URL: ${REL}\n`, `URL: ${ABS}\n`);
  assert.notEqual(text, TOP_TEXT);
  const info = parseNarInfo(text);
  assert.equal(info.url, ABS);
  assert.equal(formatNarInfo(info), text);
  assert.equal(isAbsoluteNarUrl(info.url), true);
  assert.equal(isAbsoluteNarUrl(parseNarInfo(TOP_TEXT).url), false);
});

test('a relative URL with a query (seen in the wild) is kept too', () => {
  const url = `${REL}?hash=wvx0nans273vb7b0cjlplsmr2z905hwd`;
  const info = parseNarInfo(TOP_TEXT.replace(`URL: ${REL}\n`, `URL: ${url}\n`));
  assert.equal(info.url, url);
  assert.equal(resolveNarUrl('http://127.0.0.1:8081', url), `http://127.0.0.1:8081/${url}`);
});

test('resolveNarUrl: relative against the cache (with or without trailing slash), absolute as is', () => {
  assert.equal(resolveNarUrl('http://127.0.0.1:8081', REL), `http://127.0.0.1:8081/${REL}`);
  assert.equal(resolveNarUrl('https://c.example.org/sub/', REL), `https://c.example.org/sub/${REL}`);
  assert.equal(resolveNarUrl('http://127.0.0.1:8081', ABS), ABS);
  assert.equal(resolveNarUrl('http://127.0.0.1:8081', 'HTTP://Mirror.Example.net/x.nar'), 'http://mirror.example.net/x.nar');
});

const refused: Array<{ desc: string; url: string }> = [
  { desc: 'file:// (a remote narinfo naming a local file)', url: 'file:///etc/shadow' },
  { desc: 's3://', url: 's3://bucket/nar/x.nar.xz' },
  { desc: 'data:', url: 'data:,hello' },
  { desc: 'unparsable absolute', url: 'http://[::1' },
  { desc: 'leading slash', url: '/nar/x.nar.xz' },
  { desc: 'dot-dot segment', url: 'nar/../../x.nar.xz' },
  { desc: 'dot segment', url: './nar/x.nar.xz' },
  { desc: 'protocol-relative', url: '//evil.example/nar/x.nar.xz' },
  { desc: 'empty', url: '' },
  { desc: 'space', url: 'nar/x y.nar' },
  { desc: 'backslash', url: 'nar\\x.nar' },
];
for (const c of refused) {
  test(`resolveNarUrl refuses: ${c.desc}`, () => throwsCode(() => resolveNarUrl('http://127.0.0.1:8081', c.url), 'nar-url-unsupported', 'URL'));
}
