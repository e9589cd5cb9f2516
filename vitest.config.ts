import { defineConfig } from 'vitest/config';

// One database per worker process, migrated once and truncated between files (see test/helpers/db.ts):
// a fresh PGlite takes seconds to start, so files in a worker share it (isolate: false).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    pool: 'forks',
    isolate: false,
    fileParallelism: true,
    maxWorkers: 2,
    setupFiles: ['test/helpers/setup.ts'],
    // Makes the migrated PGlite template once, before the workers open their databases from it.
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
