// ESLint's flat config, run by `npm run lint` (with knip, see knip.json):
// typescript-eslint's recommended rules over the TypeScript sources, ESLint's
// own over the plain JavaScript (scripts/run.js, bench/*.js), and one layout
// rule for all: no line over 200 characters (URLs excepted).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const node = {
  require: 'readonly', module: 'writable', exports: 'writable', process: 'readonly', console: 'readonly',
  __dirname: 'readonly', __filename: 'readonly', Buffer: 'readonly', URL: 'readonly',
  setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly',
};

const rules = [
  // Generated or built: the typed CRD classes, the API reference, bundles.
  { ignores: ['lib/imports/**', 'docs/api/**', 'dist/**', '.build/**', 'coverage/**', 'examples/app/dist/**'] },
  {
    files: ['**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'commonjs', globals: node },
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    rules: {
      // `const { dropped, ...rest } = obj` is how a field is left out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // `interface Config extends z.output<...> {}`: a named type the API reference shows on one page.
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
    },
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
];

export default tseslint.config(
  ...rules,
  {
    // A function of the generator that does not fit on two screens is several functions (a test's describe block may).
    files: ['lib/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 100, skipBlankLines: true, skipComments: true }] },
  },
  {
    // The tests read synthesized YAML documents, untyped by nature.
    files: ['test/**/*.ts', 'main.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
