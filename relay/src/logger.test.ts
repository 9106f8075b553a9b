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

describe('logger output', () => {
  it('writes one pino JSON line per entry with an ISO time, the level as a word, and honours the level', () => {
    const lines: string[] = [];
    const logger = createLogger('warn', (line) => lines.push(line));
    logger.info('dropped', { environmentId: 'env_0' });
    logger.warn('kept', { environmentId: 'env_1' });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'warn', msg: 'kept', environmentId: 'env_1' });
    expect(new Date(entry.time as string).toISOString()).toBe(entry.time);
  });

  it("masks credentials at pino's redact paths too (headers a caller passed by mistake)", () => {
    const lines: string[] = [];
    createLogger('debug', (line) => lines.push(line)).info('request', { request: { headers: { cookie: 'session=abc123', 'sec-websocket-protocol': 'codebolt.v1, bearer.short' } } });
    const entry = JSON.parse(lines[0]!) as { request: { headers: Record<string, string> } };
    expect(entry.request.headers.cookie).toBe('[redacted]');
    expect(entry.request.headers['sec-websocket-protocol']).toBe('[redacted]');
  });
});
