/**
 * Quotes one argument for a POSIX shell (sh, bash, dash, zsh — the login shell sshd runs a
 * command with): the whole value in single quotes, each `'` written as `'\''`. The result is
 * always exactly one word with no expansion, whatever the input. Throws on a NUL byte, which no
 * command line can carry.
 */
export function shellQuote(argument: string): string {
  if (argument.includes('\0')) throw new TypeError('a shell argument cannot contain a NUL byte');
  return `'${argument.replaceAll("'", "'\\''")}'`;
}

/** A command line of separately quoted words: `shellCommand(['node', '/a b/c.mjs'])` → `'node' '/a b/c.mjs'`. */
export function shellCommand(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}
