// Lint as opentelemetry-js-contrib does: typescript-eslint's type-checked recommended rules, formatting
// left to Prettier (`npm run lint` runs ESLint and `prettier --check`; `npm test` runs lint first).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const typeChecked = {
  extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
  languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
};

export default tseslint.config(
  { ignores: ['build/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  {
    files: ['src/**/*.ts', 'sandbox/**/*.ts', 'monitoring/**/*.ts', 'test/**/*.ts'],
    ...typeChecked,
    rules: {
      // `_name` marks a value taken apart only to leave it out (rest destructuring) or an unused parameter.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // The taps keep a library's original method and call it with its own receiver (`original.call(this, …)`):
    // that is what unbound-method warns about, and what a pass-through wrapper must do.
    files: ['src/sources/**/*.ts', 'src/webhooks/middleware.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
  {
    // Tests read untyped JSON from child processes, peers and exporters, and hand hostile values to the
    // code under test on purpose: the no-unsafe-* family would only ask for casts that assert nothing.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // Async test callbacks and helpers often await nothing yet keep the async signature of their family.
      '@typescript-eslint/require-await': 'off',
    },
  },
  prettier,
);
