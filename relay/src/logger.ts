/**
 * A tiny structured logger: one JSON object per line on stderr. Never pass secrets in fields;
 * `redact` masks the usual suspects anyway as a second line of defence.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEYS = /token|secret|password|authorization|key/i;

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const threshold = LEVELS[level];
  const log = (at: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[at] < threshold) return;
    write(`${JSON.stringify({ time: new Date().toISOString(), level: at, msg: redactText(message), ...redact(fields) })}\n`);
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
  };
}

/** JWTs (three base64url parts, header starting `eyJ`) and bearer credentials inside free text. */
const TOKEN_LIKE = /eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*|\b(bearer[ .])\S{16,}/gi;

/** Masks token-looking values in a string. */
export function redactText(text: string): string {
  return text.replace(TOKEN_LIKE, (_match, bearer: string | undefined) => (bearer ? `${bearer}[redacted]` : '[redacted-token]'));
}

/** Masks secret-named fields (at any depth), token-looking strings, and reduces errors to name + message. */
export function redact(fields: Record<string, unknown> | undefined, depth = 0): Record<string, unknown> {
  if (!fields) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) out[key] = SECRET_KEYS.test(key) ? '[redacted]' : redactValue(value, depth);
  return out;
}

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value instanceof Error) return { name: value.name, message: redactText(value.message) };
  if (depth >= 4 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  return redact(value as Record<string, unknown>, depth + 1);
}
