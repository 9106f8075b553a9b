import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz';

describe('logger redaction', () => {
  it('masks secret-named fields at any depth, token-looking values in fields, errors and the message', () => {
    const lines: string[] = [];
    const logger = createLogger('debug', (line) => lines.push(line));
    logger.info(`refused ${jwt}`, {
      apiKey: 'k-1',
      nested: { password: 'p-2', list: [{ clientSecret: 's-3' }, `Bearer abcdefghijklmnopqrstuvwxyz`] },
      note: `subprotocol bearer.${jwt}`,
      error: new Error(`bad token ${jwt}`),
      environmentId: 'env_1',
    });
    const text = lines.join('');
    for (const secret of [jwt, 'k-1', 'p-2', 's-3', 'abcdefghijklmnopqrstuvwxyz']) expect(text).not.toContain(secret);
    expect(JSON.parse(text)).toMatchObject({ environmentId: 'env_1', apiKey: '[redacted]', nested: { password: '[redacted]' } });
  });
});
