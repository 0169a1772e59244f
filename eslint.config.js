import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ELECTRON = { name: 'electron', message: 'Keep electron out of core, shared, CLI, web and renderer code.' };
// onnxruntime-node must load after its telemetry is switched off (src/main/core/inference/ortOffline.ts).
const ORT = { name: 'onnxruntime-node', message: "Import { ort } from src/main/core/inference/ort: it switches onnxruntime's telemetry off before the native library loads." };

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'release/**', 'node_modules/**', 'resources/**', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [ORT] }],
    },
  },
  {
    // Core logic and the shared contract must run in plain Node (tests, CLI, web mode): no electron.
    files: ['src/main/core/**/*.ts', 'src/shared/**/*.ts', 'src/main/cli.ts', 'src/main/cli/**/*.ts', 'src/main/web/**/*.ts', 'src/renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', { paths: [ELECTRON, ORT] }],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [ELECTRON, ORT], patterns: [{ group: ['node:*'], message: 'src/shared runs in the renderer too: no Node modules.' }] },
      ],
    },
  },
  { files: ['src/main/core/inference/ort.ts'], rules: { 'no-restricted-imports': 'off' } },
);
