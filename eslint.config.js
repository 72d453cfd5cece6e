// Lint rules that carry the architecture: imports flow one way
//   cli → server → engine → logs → vote → claims → nixfmt   (config → logs; host implements ops)
//   cli → logserver → trustix → merkle/nixfmt                (our own log; store.ts alone speaks SQL)
// and cores never reach for the process, the network, the file system, timers or clocks
// themselves: those come in through Ops (src/ops.ts), implemented in host/.
import tseslint from 'typescript-eslint';

const io = ['node:fs', 'node:fs/promises', 'node:child_process', 'node:http', 'node:net', 'node:os', 'node:timers', 'node:timers/promises', 'node:perf_hooks', 'node:worker_threads', 'undici', 'execa'];
/** One store module per database speaks SQL: the journal's (src/journal/) and our log's (src/logserver/store.ts). */
const sqlite = { name: 'better-sqlite3', message: 'only src/journal/ and src/logserver/store.ts import the SQLite driver; use the journal or the log store' };
const ioPaths = [...io.map((name) => ({ name, message: 'I/O lives in host/, cli/ and server/node.ts; pass it in through Ops.' })), sqlite];

/** Folders a core may not import, as import patterns relative to src/<folder>/. */
const layer = (...forbidden) => forbidden.flatMap((f) => [`../${f}/*`, `../../${f}/*`, `../${f}`, `../../${f}`]);
const importRules = (forbidden, message) => ({
  'no-restricted-imports': ['error', { paths: ioPaths, patterns: forbidden.length === 0 ? [] : [{ group: layer(...forbidden), message }] }],
});

const noClocks = {
  'no-restricted-globals': ['error',
    { name: 'fetch', message: 'use Ops.fetch' },
    { name: 'process', message: 'only cli/main.ts touches the process' },
    ...['setTimeout', 'setInterval', 'setImmediate', 'Date', 'performance'].map((name) => ({ name, message: 'clocks and timers come through Ops (now, sleep, deadline)' })),
  ],
  'no-restricted-properties': ['error',
    { object: 'AbortSignal', property: 'timeout', message: 'use Ops.deadline: on Node 20 AbortSignal.any holds a timeout weakly and can lose it' },
    { object: 'AbortSignal', property: 'any', message: 'use Ops.deadline(ms, parent)' },
  ],
};

const cores = ['src/nixfmt/**', 'src/claims.ts', 'src/vote/**', 'src/logs/**', 'src/engine/**', 'src/config/**', 'src/server/**', 'src/merkle/**', 'src/trustix/**'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['src/cli/**', 'src/host/**', 'src/demo/**', 'src/index.ts'], rules: { 'no-restricted-imports': ['error', { paths: [sqlite] }] } },
  { files: cores, ignores: ['src/server/node.ts'], rules: { ...noClocks, ...importRules([]) } },
  { files: ['src/nixfmt/**'], rules: { 'no-restricted-imports': ['error', { paths: ioPaths, patterns: [{ group: ['../*'], message: 'nixfmt imports nothing from src/' }] }] } },
  { files: ['src/merkle/**'], rules: { 'no-restricted-imports': ['error', { paths: ioPaths, patterns: [{ group: ['../*'], message: 'merkle imports nothing from src/' }] }] } },
  { files: ['src/trustix/**'], ignores: ['src/trustix/client.ts'], rules: { 'no-restricted-imports': ['error', { paths: ioPaths, patterns: [{ group: ['../*', '!../merkle', '!../merkle/*', '!../nixfmt', '!../nixfmt/*'], message: 'the pure half of trustix imports only merkle and nixfmt' }] }] } },
  { files: ['src/claims.ts'], rules: { 'no-restricted-imports': ['error', { paths: ioPaths, patterns: [{ group: ['./*', '!./nixfmt'], message: 'claims imports only nixfmt' }] }] } },
  { files: ['src/vote/**'], rules: importRules(['logs', 'engine', 'server', 'cli', 'host', 'config', 'journal'], 'vote is pure: it imports claims and nixfmt only') },
  { files: ['src/logs/**'], rules: importRules(['vote', 'engine', 'server', 'cli', 'host', 'config', 'journal'], 'a log kind yields claims; it knows nothing of votes, engine, server or cli') },
  { files: ['src/engine/**'], rules: importRules(['server', 'cli', 'host', 'config', 'journal'], 'the engine never imports server, cli, host, config or journal') },
  { files: ['src/journal/**'], rules: { 'no-restricted-imports': ['error', { patterns: [{ group: layer('server', 'cli', 'host', 'config'), message: 'the journal sits beside the engine: it imports claims, nixfmt, logs and engine types only' }] }] } },
  { files: ['src/config/**'], rules: importRules(['vote', 'engine', 'server', 'cli', 'host'], 'config reads files\' text; it imports logs (for the kinds) and nixfmt only') },
  { files: ['src/server/**'], ignores: ['src/server/node.ts'], rules: importRules(['cli', 'host', 'config'], 'the server gets its parts from cli; it never imports cli, host or config') },
  { files: ['src/server/node.ts'], rules: { 'no-restricted-imports': ['error', { paths: [sqlite], patterns: [{ group: layer('cli', 'host', 'config'), message: 'the Node adapter adapts the handler only' }] }] } },
  // Our own Trustix log: an I/O edge like host/ (SQLite, the HTTP listener, key files) that
  // builds on the pure merkle/ and trustix/; it never reaches into the vote side.
  {
    files: ['src/logserver/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [sqlite], patterns: [{ group: layer('cli', 'server', 'engine', 'logs', 'vote', 'config', 'host', 'journal', 'demo'), message: 'logserver builds on merkle, trustix and nixfmt only' }] }] },
  },
  {
    files: ['src/logserver/store.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: layer('cli', 'server', 'engine', 'logs', 'vote', 'config', 'host', 'journal', 'demo'), message: 'logserver builds on merkle, trustix and nixfmt only' }] }] },
  },
  { files: ['test/**', 'bench/**', 'src/demo/**'], rules: { '@typescript-eslint/no-non-null-assertion': 'off' } },
);
