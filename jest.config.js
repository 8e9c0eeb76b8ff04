// Jest on Node 20 cannot require() ESM, and Nest 12 ships ESM only: @swc/jest transpiles our
// TypeScript and the ESM packages under node_modules (@nestjs, file-type, jose) to CommonJS.
// Type checking is a separate step (`npm run typecheck`), so swc never needs the type graph.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];

module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/test/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts', '<rootDir>/src/**/*.spec.ts'],
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|file-type|jose)/)'],
  testTimeout: 30000,
  // Every frame a test client receives is checked against the generated payload schemas.
  setupFilesAfterEnv: ['<rootDir>/test/support/frame-contract.setup.ts'],
  // Each worker gets its own SQLite file / PostgreSQL schema (see test/support/test-db.ts).
  maxWorkers: 2,
};
