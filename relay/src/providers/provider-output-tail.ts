import { open } from 'node:fs/promises';
import { redactText } from '../logger.js';

/** Most bytes read from the end of a provider log for an error message. */
const TAIL_BYTES = 4_096;

/**
 * The last `maxLines` non-empty lines a provider process wrote to its log since `fromOffset`
 * (its size when the process was spawned), at most `maxChars` characters, with every secret in
 * `secrets` replaced by `[redacted]` and token-looking strings masked. Never throws: a missing
 * or unreadable log gives ''.
 */
export async function providerOutputTail(logPath: string, fromOffset: number, secrets: string[], maxLines = 10, maxChars = 1_500): Promise<string> {
  let text: string;
  let partialFirstLine = false;
  try {
    const handle = await open(logPath, 'r');
    try {
      const { size } = await handle.stat();
      const start = Math.max(fromOffset, size - TAIL_BYTES);
      const buffer = Buffer.alloc(Math.max(0, size - start));
      await handle.read(buffer, 0, buffer.length, start);
      text = buffer.toString('utf8');
      partialFirstLine = start > fromOffset;
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
  // A line cut by the tail window is dropped whole, so no fragment of a secret survives the cut.
  if (partialFirstLine) text = text.slice(text.indexOf('\n') + 1);
  for (const secret of secrets) if (secret.length > 0) text = text.split(secret).join('[redacted]');
  const lines = redactText(text)
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.length > 0)
    .slice(-maxLines);
  const joined = lines.join('\n');
  return joined.length > maxChars ? joined.slice(joined.length - maxChars) : joined;
}
