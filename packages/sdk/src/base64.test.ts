import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, textToBase64 } from './base64.js';

describe('base64 without Buffer', () => {
  it('round-trips every byte value and matches Node', () => {
    const bytes = new Uint8Array(256).map((_, index) => index);
    const encoded = bytesToBase64(bytes);
    expect(encoded).toBe(Buffer.from(bytes).toString('base64'));
    expect([...base64ToBytes(encoded)]).toEqual([...bytes]);
  });

  it('handles inputs larger than one 32 KiB slice and empty input', () => {
    const bytes = new Uint8Array(100_003).map((_, index) => (index * 7) % 256);
    const encoded = bytesToBase64(bytes);
    expect(encoded).toBe(Buffer.from(bytes).toString('base64'));
    expect(Buffer.from(base64ToBytes(encoded)).equals(Buffer.from(bytes))).toBe(true);
    expect(bytesToBase64(new Uint8Array())).toBe('');
    expect(base64ToBytes('')).toEqual(new Uint8Array());
  });

  it('encodes text as UTF-8', () => {
    expect(textToBase64('héllo ✓')).toBe(Buffer.from('héllo ✓', 'utf8').toString('base64'));
  });

  it('rejects malformed base64', () => {
    expect(() => base64ToBytes('@@@')).toThrow();
  });
});
