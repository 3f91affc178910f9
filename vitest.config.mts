import { configDefaults, defineConfig } from 'vitest/config';

// Tests that start a real Node-RED (test/e2e/), install the packed package (test/package/) or drive
// a browser (test/editor/) take seconds, not milliseconds: they get long timeouts and a fresh build;
// everything else stays a fast unit test. Each runtime picks its own free port and data dir, so test
// files still run in parallel.
const slow = ['test/e2e/**/*.test.ts', 'test/package/**/*.test.ts', 'test/editor/**/*.test.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...slow],
          // Node tests load Node-RED's test helper per test; on a 2-core CI machine that also runs
          // the e2e files beside them, a load of 10 makes that take more than the default 5 s.
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: slow,
          globalSetup: ['test/support/browser.ts', 'test/support/build.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
