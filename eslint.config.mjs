// ESLint's flat config: typescript-eslint's recommended rules over the
// TypeScript sources, ESLint's own over the plain JavaScript (scripts/run.js,
// bench/*.js), and one layout rule for all: no line over 200 characters
// (URLs excepted). `npm run lint` runs it with knip (knip.json).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const node = {
  require: 'readonly', module: 'writable', exports: 'writable', process: 'readonly', console: 'readonly',
  __dirname: 'readonly', __filename: 'readonly', Buffer: 'readonly', URL: 'readonly',
  setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly',
};

export default tseslint.config(
  // Generated or built: the typed CRD classes, the API reference, bundles.
  { ignores: ['lib/imports/**', 'docs/api/**', 'dist/**', '.build/**', 'coverage/**', 'node_modules/**', 'examples/app/dist/**'] },
  {
    files: ['**/*.js', '**/*.cjs'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'commonjs', globals: node },
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
  },
  {
    // The tests read synthesized YAML documents, untyped by nature.
    files: ['test/**/*.ts', 'main.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    rules: {
      'max-len': ['error', {
        code: 200,
        ignoreUrls: true,
        ignoreComments: false,
        ignoreStrings: false,
        ignoreTemplateLiterals: false,
        ignoreRegExpLiterals: false,
      }],
    },
  },
);
