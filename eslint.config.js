// Lint: typescript-eslint recommended, plus the room rule from DESIGN.md:
// device-registry/ and detectors/ are libraries and never import gateway/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'web-wall/dist/**', '**/*.d.ts', '.scratch/**', 'artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
      'no-console': 'error',
    },
  },
  {
    files: ['device-registry/**/*.ts', 'detectors/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/gateway', '**/gateway/**'], message: 'device-registry/ and detectors/ must not import gateway/ (see DESIGN.md).' }],
      }],
    },
  },
  {
    // Every PostgreSQL pool and client is made by pg-pool.ts, which listens for 'error' on each
    // connection for its whole life: a server lost while a client is checked out must not end the process.
    files: ['gateway/**/*.ts', 'device-registry/**/*.ts'],
    ignores: ['device-registry/store/postgres/pg-pool.ts', '**/*.test.ts'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: "NewExpression[callee.object.name='pg'][callee.property.name=/^(Pool|Client)$/]",
        message: 'make PostgreSQL pools and clients with createPgPool / connectPgClient (device-registry/store/postgres/pg-pool.ts).',
      }],
    },
  },
  {
    // The browser app reports what it cannot handle in the browser console.
    files: ['web-wall/src/**/*.{ts,tsx}'],
    rules: { 'no-console': ['error', { allow: ['warn', 'error'] }] },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.{ts,mjs,js}', '**/*.test.ts'],
    rules: { 'no-console': 'off' },
  },
);
