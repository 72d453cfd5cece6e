// Lint rules that carry the architecture: pure folders import no I/O, and cores
// never reach for the process, the network or the file system themselves.
import tseslint from 'typescript-eslint';

const io = ['node:fs', 'node:fs/promises', 'node:child_process', 'node:http', 'node:net', 'node:os', 'undici', 'execa'];
const restrict = (extra = []) => ({
  'no-restricted-imports': ['error', { paths: [...io, ...extra].map((name) => ({ name, message: 'I/O lives in host/, cli/ and server/node.ts; pass it in through Ops.' })) }],
  'no-restricted-globals': ['error', { name: 'fetch', message: 'use Ops.fetch' }, { name: 'process', message: 'only cli/main.ts touches the process' }],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  { files: ['src/nixfmt/**', 'src/vote/**', 'src/engine/**', 'src/logs/**', 'src/config/**', 'src/server/**'], ignores: ['src/server/node.ts'], rules: restrict() },
  { files: ['src/nixfmt/**'], rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../*'], message: 'nixfmt imports nothing from src/' }], paths: io }] } },
  { files: ['test/**', 'bench/**', 'src/demo/**'], rules: { '@typescript-eslint/no-non-null-assertion': 'off' } },
);
