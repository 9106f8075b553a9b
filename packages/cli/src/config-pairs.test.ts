import { describe, expect, it } from 'vitest';
import { CliError } from './cli-error.js';
import { parseConfigPairs } from './config-pairs.js';

describe('parseConfigPairs', () => {
  it('nests dotted keys and parses JSON-looking values', () => {
    expect(
      parseConfigPairs(['image=node:20', 'env.FOO=bar', 'env.EMPTY=', 'memoryMb=512', 'ratio=0.5', 'debug=true', 'tags=["a","b"]', 'label="123"', 'url=http://x/?a=b']),
    ).toEqual({ image: 'node:20', env: { FOO: 'bar', EMPTY: '' }, memoryMb: 512, ratio: 0.5, debug: true, tags: ['a', 'b'], label: '123', url: 'http://x/?a=b' });
  });

  it('keeps values that merely start like numbers as strings', () => {
    expect(parseConfigPairs(['version=1.2.3', 'zip=01234', 'size=12kb'])).toEqual({ version: '1.2.3', zip: '01234', size: '12kb' });
  });

  it("types values by the provider's config schema where it says something", () => {
    const schema = {
      type: 'object',
      properties: {
        env: { type: 'object', additionalProperties: { type: 'string' } },
        memoryMb: { type: 'integer' },
        debug: { type: 'boolean' },
        tags: { type: 'array' },
        note: { type: ['string', 'null'] },
      },
    };
    expect(parseConfigPairs(['env.PORT=3000', 'env.FLAG=true', 'memoryMb=512', 'debug=false', 'tags=["a"]', 'note=42', 'other=7'], schema)).toEqual({
      env: { PORT: '3000', FLAG: 'true' },
      memoryMb: 512,
      debug: false,
      tags: ['a'],
      note: '42',
      other: 7,
    });
    expect(parseConfigPairs(['memoryMb=lots'], schema)).toEqual({ memoryMb: 'lots' });
    expect(() => parseConfigPairs(['tags=a,b'], schema)).toThrow(/is not valid JSON/);
  });

  it('refuses pairs without = or with empty key segments', () => {
    expect(() => parseConfigPairs(['novalue'])).toThrow(CliError);
    expect(() => parseConfigPairs(['=x'])).toThrow(/expects key=value/);
    expect(() => parseConfigPairs(['a..b=1'])).toThrow(/expects key=value/);
  });

  it('refuses broken JSON, prototype keys and a key used as both value and object', () => {
    expect(() => parseConfigPairs(['tags=[1,'])).toThrow(/is not valid JSON/);
    expect(() => parseConfigPairs(['__proto__.x=1'])).toThrow(/not allowed/);
    expect(() => parseConfigPairs(['env=1', 'env.FOO=bar'])).toThrow(/set to a value and used as an object/);
  });
});
