/**
 * Base64 without Node's Buffer, so the same code runs in browsers and Node 20 (both have
 * `btoa` / `atob`). Bytes are converted in 32 KiB slices to stay below argument-count limits.
 */

const SLICE_BYTES = 0x8000;

/** Encodes bytes as standard base64 (with padding). */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let start = 0; start < bytes.length; start += SLICE_BYTES) {
    binary += String.fromCharCode(...bytes.subarray(start, start + SLICE_BYTES));
  }
  return btoa(binary);
}

/** Decodes standard base64. Throws a DOMException (`InvalidCharacterError`) on malformed input. */
export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/** Encodes a string as UTF-8 and then base64. */
export function textToBase64(text: string): string {
  return bytesToBase64(new TextEncoder().encode(text));
}
