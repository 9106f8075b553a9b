import { defineProject } from 'vitest/config';

// Timeouts are set here because a project does not inherit the root's testTimeout/hookTimeout.
export default defineProject({ test: { name: 'runtime', include: ['src/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 } });
