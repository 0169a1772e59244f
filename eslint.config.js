import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ELECTRON = { name: 'electron', message: 'Keep electron out of core, shared, CLI, web and renderer code.' };
// onnxruntime-node must load after its telemetry is switched off (src/main/core/onnx/ortOffline.ts).
const ORT = {
  name: 'onnxruntime-node',
  message: "Import { ort } from src/main/core/onnx/ort: it switches onnxruntime's telemetry off before the native library loads.",
};

// The layers of src/main/core (docs/architecture.md): numeric -> numeric, onnx; onnx -> onnx; platform -> platform;
// features -> platform, onnx, numeric and another feature's public index.ts only; nothing -> app (the composition
// root) but the hosts. Relative imports are checked by what they reach.
const layer = (forbidden, why) => ({ regex: `^(\\.\\./)+(${forbidden})(/|$)`, message: why });
const CORE_LAYERS = {
  numeric: [layer('platform|features|app', 'numeric/ is pure functions over typed arrays: it imports only numeric/ and onnx/.')],
  onnx: [layer('platform|features|app|numeric', 'onnx/ (model files, graphs, sessions, GEMM) imports only onnx/.')],
  platform: [layer('features|app|numeric|onnx', 'platform/ (store, jobs, files) is the bottom layer: it imports only platform/.')],
  features: [
    layer('app', 'Features never import the composition root: take the state from platform/context.ts.'),
    {
      regex: '^\\.\\./(?!\\.\\.)[^/]+/',
      message:
        "Features never import another feature's internals: import from '../<feature>' (its index.ts), or move the shared code to platform/, onnx/ or numeric/.",
    },
  ],
};

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'release/**', 'node_modules/**', 'resources/**', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [ORT] }],
      'no-restricted-syntax': ['error', { selector: "ImportExpression[source.value='onnxruntime-node']", message: ORT.message }],
    },
  },
  {
    // Core logic and the shared contract must run in plain Node (tests, CLI, web mode): no electron.
    files: [
      'src/main/core/**/*.ts',
      'src/shared/**/*.ts',
      'src/main/cli.ts',
      'src/main/cli/**/*.ts',
      'src/main/web/**/*.ts',
      'src/renderer/**/*.{ts,tsx}',
    ],
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
  {
    // The renderer's features use each other only through their index.ts; generic components use no feature.
    files: ['src/renderer/src/features/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [ELECTRON, ORT],
          patterns: [
            { regex: '^\\.\\./(?!\\.\\.)[^/]+/', message: "Import another feature from '../<feature>' (its index.ts), not its files." },
          ],
        },
      ],
    },
  },
  {
    files: ['src/renderer/src/components/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [ELECTRON, ORT],
          patterns: [{ regex: '(^|/)features(/|$)', message: 'Generic components import no feature: pass what they need in props.' }],
        },
      ],
    },
  },
  ...Object.entries(CORE_LAYERS).map(([dir, patterns]) => ({
    files: [`src/main/core/${dir}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { paths: [ELECTRON, ORT], patterns }] },
  })),
  { files: ['src/main/core/onnx/ort.ts'], rules: { 'no-restricted-imports': 'off' } },
);
