import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const boundary = (regex) => [
  'error',
  {
    patterns: [
      {
        regex,
        message:
          'Import another module only through its index.ts (its public surface); talk to it through events otherwise.',
      },
    ],
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', 'coverage/', 'drizzle/', '.scratch/', 'deploy/**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  // Module boundaries: src/modules/<a>/ may import src/modules/<b>/ only through <b>/index.js.
  { files: ['src/modules/*/*.ts'], rules: { 'no-restricted-imports': boundary('^\\.\\./[^./][^/]*/(?!index\\.js$)') } },
  {
    files: ['src/modules/*/*/*.ts'],
    rules: { 'no-restricted-imports': boundary('^\\.\\./\\.\\./[^./][^/]*/(?!index\\.js$)') },
  },
  { files: ['src/*.ts'], rules: { 'no-restricted-imports': boundary('^\\./modules/[^/]+/(?!index\\.js$)') } },
  // The platform knows no module.
  { files: ['src/platform/**/*.ts'], rules: { 'no-restricted-imports': boundary('/modules/') } },
  { files: ['bin/*.js', 'scripts/**', 'bench/**', 'test/**'], rules: { 'no-console': 'off' } },
  { files: ['bin/*.js'], languageOptions: { globals: { process: 'readonly' } } },
);
