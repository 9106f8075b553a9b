import { createHash } from 'node:crypto';
import { CodeboltError } from '@codebolt/protocol';

/** A host key pinned from one known_hosts line. */
export interface PinnedHostKey {
  /** The key type, `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`… */
  type: string;
  /** The raw public key blob (the base64 field, decoded). */
  blob: Buffer;
  /** `SHA256:<base64>`, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
}

const KEY_TYPE = /^(?:ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp(?:256|384|521)|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** `SHA256:<unpadded base64 of the blob's SHA-256>`, the fingerprint form OpenSSH prints. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside a public key blob (its first SSH string), or `unknown`. */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const length = blob.readUInt32BE(0);
  return length > 0 && length <= 64 && blob.length >= 4 + length ? blob.subarray(4, 4 + length).toString('latin1') : 'unknown';
}

/**
 * Parses the `hostKey` config field: one known_hosts line, `[host]:port ssh-ed25519 AAAA… [comment]`
 * (what `ssh-keygen -F` or `ssh-keyscan` print), or only `ssh-ed25519 AAAA…` (a `.pub` file).
 * The host pattern is not used: the key itself is what is pinned. Throws `invalid-config`
 * naming `hostKey` for anything else — several lines, a `@cert-authority`/`@revoked` marker, an
 * unknown key type, a blob that is not base64 or whose inner type differs from the line's.
 */
export function parseHostKey(line: string): PinnedHostKey {
  const invalid = (problem: string): CodeboltError =>
    new CodeboltError(
      'invalid-config',
      `invalid config for provider "ssh": hostKey: ${problem}; set it to the host's line from \`ssh-keyscan -p <port> <host>\` (check it against \`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\` on the host), e.g. --config hostKey='[host]:2222 ssh-ed25519 AAAA…'`,
    );
  const trimmed = line.trim();
  if (trimmed.includes('\n')) throw invalid('expected one known_hosts line, got several');
  const words = trimmed.split(/\s+/);
  if (words[0]?.startsWith('@')) throw invalid(`the marker ${words[0]} is not supported (pin the host's own key)`);
  const typeIndex = words.findIndex((word) => KEY_TYPE.test(word));
  if (typeIndex < 0 || typeIndex > 1) throw invalid('no key type (ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa…) in the first two fields');
  const type = words[typeIndex]!;
  const encoded = words[typeIndex + 1];
  if (encoded === undefined || !BASE64.test(encoded)) throw invalid(`the key after ${type} is missing or not base64`);
  const blob = Buffer.from(encoded, 'base64');
  if (keyTypeOf(blob) !== type) throw invalid(`the key data is not a ${type} key`);
  return { type, blob, fingerprint: fingerprintOf(blob) };
}
