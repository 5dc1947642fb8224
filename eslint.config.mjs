// Lint beyond layout (prettier owns that): ESLint's and typescript-eslint's recommended rules.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'build/', '.local/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: globals.node } },
  {
    // A leading underscore marks what is bound on purpose and unused (a rest sibling dropped, an argument kept for arity).
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Heavy modules (mongoose, kafkajs, the OpenTelemetry SDK, zxcvbn's dictionaries) are loaded on first use
      // with a typed `require`, so a cold start does not pay for what the invocation never touches.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // Tests walk untyped JSON documents (OpenAPI, AsyncAPI, gateway answers).
    files: ['tests/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Plain JavaScript outside k6 (the OpenFaaS template's server, compose helpers, the test summary) is CommonJS.
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    // k6 scripts are ES modules run by k6, not Node: its globals, and its own `k6/crypto`.
    files: ['k6/**/*.js'],
    languageOptions: { sourceType: 'module', globals: { __ENV: 'readonly', __VU: 'readonly', __ITER: 'readonly', console: 'readonly' } },
  },
  {
    // Run by mongosh inside the compose file's MongoDB container.
    files: ['infra/compose/mongo-init.js'],
    languageOptions: { globals: { rs: 'readonly', print: 'readonly', quit: 'readonly', sleep: 'readonly' } },
  },
);
