import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  plugins: [vue()],
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'out/**', 'e2e/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests spawn servers and clients; two cores do not benefit from more workers.
    maxWorkers: 2,
  },
});
