import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'example-custom-provider', include: ['src/**/*.test.js'], testTimeout: 120_000, hookTimeout: 120_000 } });
