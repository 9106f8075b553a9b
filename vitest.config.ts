import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'relay', 'providers/*', 'test', 'examples/custom-provider'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
