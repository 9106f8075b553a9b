import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'e2e', testTimeout: 120_000, hookTimeout: 120_000, include: ['**/*.test.ts'], exclude: ['**/node_modules/**'] } });
