// jest configuration: TypeScript tests through ts-jest; native set-up runs once per run.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: '<rootDir>/test/environment.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // One tfjs-node per jest process instead of one per test file (see test/environment.js).
  moduleNameMapper: { '^@tensorflow/tfjs-node$': '<rootDir>/test/shared-tf.js' },
  // isolatedModules in tsconfig.json makes ts-jest transpile file by file, as bin/compile.js does.
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  globalSetup: '<rootDir>/test/global-setup.js',
  // Two cores: TensorFlow tests fight each other for them, so run files in sequence.
  maxWorkers: 1,
  // Training tests on a loaded shared 2-core machine run 5-10x slower than on a quiet one:
  // time-outs guard against hangs, not speed, so they are generous. Speed lives in bench/.
  testTimeout: 600000,
};
