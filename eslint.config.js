import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Import rules: a later block for the same files replaces an earlier one's list, so each list is complete.
const NO_ELECTRON = { group: ['electron', 'electron/*'], message: 'The agent and the headless host are Electron-free, so that they run without Electron.' };
const NO_OTEL_SDK = { group: ['@opentelemetry/sdk-*'], message: 'Use @opentelemetry/api; the SDK is wired in telemetry/.' };

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'bench/results*'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['electron/**/*.{ts,mjs}', 'e2e/**/*.ts', 'bench/**/*.ts', 'soak/**/*.ts', '*.config.{ts,js}', 'scripts/**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['renderer/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  {
    // shared/ is used on both sides: it may not reach for Node, Electron or the DOM.
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:*', 'electron', 'electron/*', 'react', 'react-dom'] }],
      'no-restricted-globals': ['error', 'window', 'document', 'process', 'Buffer', 'navigator'],
    },
  },
  {
    // The agent is Electron-free so that the headless host can run it.
    files: ['electron/agent/**/*.ts', 'electron/server/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [NO_ELECTRON] }] },
  },
  {
    // Stage providers use only @opentelemetry/api: the SDK is wired in telemetry/.
    files: ['electron/agent/providers/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [NO_ELECTRON, NO_OTEL_SDK] },
      ],
    },
  },
  {
    // The pipeline core knows no vendor: providers/ is the only place that imports a vendor SDK.
    files: ['electron/agent/pipeline/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [NO_ELECTRON, NO_OTEL_SDK, { group: ['openai', 'openai/*'], message: 'Vendor SDKs belong in providers/.' }] }],
    },
  },
);
