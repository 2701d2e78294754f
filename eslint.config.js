import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Import rules: a later block for the same files replaces an earlier one's list, so each list is complete.
const NO_ELECTRON = { group: ['electron', 'electron/*'], message: 'The agent and the headless host are Electron-free, so that they run without Electron.' };
const NO_OTEL = {
  group: ['@opentelemetry/*'],
  message: 'Spans, metrics and logs are made in telemetry/: the conversation and the tools get an observer or a tracer interface from app-services.',
};

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
    // Outside telemetry/ nothing imports OpenTelemetry (tests and their helpers may, to read spans back).
    files: ['electron/agent/**/*.ts'],
    ignores: ['electron/agent/telemetry/**', 'electron/agent/testing/**', '**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [NO_ELECTRON, NO_OTEL] }] },
  },
  {
    // The pipeline core knows no vendor: providers/ is the only place that imports a vendor SDK.
    files: ['electron/agent/pipeline/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [NO_ELECTRON, NO_OTEL, { group: ['openai', 'openai/*'], message: 'Vendor SDKs belong in providers/.' }] }],
    },
  },
);
