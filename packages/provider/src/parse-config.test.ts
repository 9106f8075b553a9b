import { CodeboltError } from '@codebolt/protocol';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseProviderConfig } from './parse-config.js';

const schema = z.object({ memory: z.string().optional(), limits: z.object({ pids: z.number().int() }).optional() }).strict();

describe('parseProviderConfig', () => {
  it('returns the parsed config', () => {
    expect(parseProviderConfig(schema, { memory: '1g' }, 'docker')).toEqual({ memory: '1g' });
    expect(parseProviderConfig(schema, undefined, 'docker')).toEqual({});
  });

  it('throws invalid-config naming the field and how to set it', () => {
    let failure: unknown;
    try {
      parseProviderConfig(schema, { limits: { pids: 'many' } }, 'docker');
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(CodeboltError);
    expect((failure as CodeboltError).code).toBe('invalid-config');
    expect((failure as CodeboltError).message).toMatch(/^invalid config for provider "docker": limits\.pids: .*; set it with --config limits=<value>/);
  });
});
