// jest configuration: TypeScript tests through ts-jest; native set-up runs once per run.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: '<rootDir>/test/environment.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] },
  globalSetup: '<rootDir>/test/global-setup.js',
  // Two cores: TensorFlow tests fight each other for them, so run files in sequence.
  maxWorkers: 1,
  testTimeout: 120000,
};
