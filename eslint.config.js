// The architecture as lint rules (README, Source layout): which layer may import which. `npm run lint`, run by CI.
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const PRODUCT = ['adapters', 'audio', 'client', 'db', 'domain', 'http', 'live-gateway', 'live-relay', 'observability', 'runtime', 'services', 'temporal'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'packages/*/dist/**', 'build/**', '.tools/**', '.data/**', '.test-data/**', 'test/fixtures/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { '@typescript-eslint': tseslint.plugin, 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test registers tests and suites; their promises are the runner's to await.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { args: 'none', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/http',
              from: ['./src/adapters', './src/db', './activities'],
              message: 'src/http goes through src/services: no adapters, database or activities, types included',
            },
            { target: './src/emulator', from: './src', except: ['./emulator'], message: 'the emulator stands apart: it never imports product code' },
            { target: './src/emulator', from: ['./activities', './workflows'], message: 'the emulator stands apart: it never imports product code' },
            {
              target: [...PRODUCT.map((dir) => `./src/${dir}`), './src/config.ts', './activities', './workflows'],
              from: './src/emulator',
              message: 'only the entry points (src/main) start the emulator',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!@temporalio/workflow$)(?!\\./)(?!\\.\\./src/domain/)',
              allowTypeImports: true,
              message: 'workflow code is deterministic: values only from @temporalio/workflow, src/domain and workflows/ (anything else as a type)',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts', 'activities/**/*.ts'],
    ignores: ['src/domain/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/*.workflow.js'],
              allowTypeImports: true,
              message: 'workflow files are bundled for the workflow sandbox: import names and signals from workflows/*definitions.js',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^\\.\\./', allowTypeImports: true, message: 'src/domain imports nothing local but types' }] },
      ],
    },
  },
);
