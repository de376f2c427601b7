import { defineConfig } from 'vitest/config';

// Suites spawn real processes (genuine etcd, dcsgw nodes) on loopback ports of their own;
// run files in separate forks so a crash in one cannot take the others down.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
