import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'relay', testTimeout: 120_000, hookTimeout: 120_000, execArgv: ['--expose-gc'], include: ['src/**/*.test.ts'] } });
