import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // Tests and examples send plain functions to workers; globals used inside them exist there.
    files: ['test/**', 'examples/**', 'bench/**'],
    languageOptions: {
      globals: { setTimeout: 'readonly', SharedArrayBuffer: 'readonly', Atomics: 'readonly', performance: 'readonly' },
    },
  },
  {
    // A passing `npm test` prints nothing, so that a real warning stands out.
    files: ['test/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='enable'][callee.object.property.name='timers']",
          message: 'Use enableMockTimers from test/fixtures/quiet.ts: it keeps the experimental-API warning out of the test output.',
        },
      ],
    },
  },
);
