/**
 * Nest 12 packages are ES modules. Node 20 loads them from CommonJS (require(esm)), but Jest's own
 * module loader does not, so Jest compiles them to CommonJS with SWC. Our TypeScript goes through
 * ts-jest with the Swagger plugin, so tests see the same OpenAPI metadata as `nest build`.
 */
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { availableParallelism } = require('node:os');

/** Every installed package that declares itself an ES module. */
function esmPackages() {
  const root = join(__dirname, 'node_modules');
  const names = readdirSync(root).flatMap((name) =>
    name.startsWith('@') ? readdirSync(join(root, name)).map((sub) => `${name}/${sub}`) : [name],
  );
  return names.filter((name) => {
    try {
      return JSON.parse(readFileSync(join(root, name, 'package.json'), 'utf8')).type === 'module';
    } catch {
      return false;
    }
  });
}

const common = {
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      {
        tsconfig: 'tsconfig.json',
        // Type errors are `npm run check`'s job; 151002 is ts-jest's note about Node16-style module settings.
        diagnostics: { ignoreCodes: [151002], exclude: ['**'] },
        astTransformers: { before: ['<rootDir>/test/support/swagger-transformer.js'] },
      },
    ],
    '^.+\\.m?js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages().join('|')})/)`],
};

module.exports = {
  // A guard against hangs, not a speed goal: on a busy shared 2-core machine (4-5x slower than a quiet one)
  // the tests that spawn services or CLIs took most of a minute, and one went over.
  testTimeout: 120_000,
  // Jest's default, cores - 1, is one worker on a 2-core machine. Every test file has a database of its own,
  // and most of a file's time is spent waiting on HTTP, PostgreSQL or the browser, so two share 2 cores well
  // (the PGlite pass: about 9 instead of 14 minutes on such a machine).
  maxWorkers: Math.max(2, availableParallelism() - 1),
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/bench/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
