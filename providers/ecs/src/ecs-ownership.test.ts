import { describe, expect, it } from 'vitest';
import { clientTokenFor, startedByFor, tagValue } from './ecs-ownership.js';

describe('ECS ownership values', () => {
  it('startedBy fits ECS (≤ 36 of letters, digits, - / _) and differs per installation', () => {
    const value = startedByFor('cb-0123456789abcdef0123456789abcdef');
    expect(value).toMatch(/^codebolt-[0-9a-f]{27}$/);
    expect(value).toHaveLength(36);
    expect(startedByFor('other')).not.toBe(value);
    expect(startedByFor('cb-0123456789abcdef0123456789abcdef')).toBe(value);
  });

  it('clientToken fits ECS (≤ 64 printable characters), is stable for a retry and differs per environment, creation and part', () => {
    const token = clientTokenFor('inst', 'env-1', 'ct-1');
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(clientTokenFor('inst', 'env-1', 'ct-1')).toBe(token);
    expect(new Set([token, clientTokenFor('inst', 'env-2', 'ct-1'), clientTokenFor('inst', 'env-1', 'ct-2'), clientTokenFor('inst', 'env-1', 'ct-1', 'start'), clientTokenFor('other', 'env-1', 'ct-1')]).size).toBe(5);
  });

  it('tag values ECS accepts pass unchanged; others become a hash', () => {
    expect(tagValue('cf-1234-create')).toBe('cf-1234-create');
    expect(tagValue('a'.repeat(257))).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(tagValue('semi;colon')).toMatch(/^sha256:/);
  });
});
