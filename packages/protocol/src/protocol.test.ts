import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CodeboltError, ERROR_CODES, ERROR_CODE_LIST, appRequestSchemas, execRequestSchema, parseData, parseEnvelope } from './index.js';

describe('error codes', () => {
  it('are all listed in docs/errors.md with their status, and nothing else is', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const listed = [...doc.matchAll(/^\| `([a-z-]+)` \| (\d+) \|/gm)].map((match) => [match[1], Number(match[2])]);
    expect(listed).toEqual(ERROR_CODE_LIST.map((code) => [code, ERROR_CODES[code].status]));
  });

  it('round-trip through the wire shape; unknown codes become internal', () => {
    const error = new CodeboltError('resource-gone', 'gone');
    expect(CodeboltError.fromBody(error.toBody())).toMatchObject({ code: 'resource-gone', message: 'gone', status: 410 });
    expect(CodeboltError.fromBody({ code: 'made-up', message: 'x' }).code).toBe('internal');
    expect(CodeboltError.from(new Error('secret detail')).message).not.toContain('secret detail');
  });
});

describe('envelope parsing', () => {
  it('accepts a valid envelope', () => {
    expect(parseEnvelope('{"v":1,"type":"exec","id":"a","data":{"command":"ls"}}')).toEqual({ v: 1, type: 'exec', id: 'a', data: { command: 'ls' } });
    expect(parseEnvelope(Buffer.from('{"v":1,"type":"x"}')).type).toBe('x');
  });

  it.each([
    ['not json', '{', /not valid JSON/],
    ['wrong version', '{"v":2,"type":"x"}', /^invalid envelope: v:/],
    ['missing type', '{"v":1}', /^invalid envelope: type:/],
    ['unknown field', '{"v":1,"type":"x","extra":1}', /^invalid envelope/],
    ['bad seq', '{"v":1,"type":"x","seq":-1}', /^invalid envelope: seq:/],
    ['array', '[1]', /^invalid envelope/],
    ['bad error code', '{"v":1,"type":"x","error":{"code":"nope","message":"m"}}', /^invalid envelope: error.code/],
  ])('refuses %s with bad-request', (_name, raw, message) => {
    try {
      parseEnvelope(raw);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CodeboltError);
      expect((error as CodeboltError).code).toBe('bad-request');
      expect((error as CodeboltError).message).toMatch(message);
    }
  });

  it('parses request data with defaults and names the bad field', () => {
    expect(parseData(execRequestSchema, { command: 'ls' })).toEqual({ command: 'ls', args: [] });
    expect(() => parseData(appRequestSchemas['fs.read'], { path: 5 }, 'fs.read')).toThrow(/^invalid fs.read: path:/);
    expect(() => parseData(execRequestSchema, { command: 'ls', shell: true }, 'exec')).toThrow(CodeboltError);
  });
});
