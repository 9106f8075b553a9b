import { pino } from 'pino';

/**
 * The relay's structured logger: pino, one JSON object per line (`time` ISO 8601, `level` as a
 * word, `msg`, then the fields) on stderr. Never pass secrets in fields; two lines of defence mask
 * them anyway: `redact` below (secret-named keys at any depth, token-looking strings, errors
 * reduced to name + message) runs before pino sees the fields, and pino's own `redact` paths mask
 * the well-known header and credential locations.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const SECRET_KEYS = /token|secret|password|authorization|key/i;

/** pino redact paths: credentials in the places HTTP frameworks and our callers put them. */
export const REDACT_PATHS = [
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  'headers["sec-websocket-protocol"]',
  '*.headers["sec-websocket-protocol"]',
];

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Creates a logger that drops entries below `level` (default `info`). `write` receives each line
 * (newline-terminated); the default writes synchronously to stderr so that nothing is lost when
 * the process exits.
 */
export function createLogger(level: LogLevel = 'info', write?: (line: string) => void): Logger {
  const destination = write ? { write } : pino.destination({ fd: 2, sync: true });
  const logger = pino(
    {
      level,
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    destination,
  );
  const log = (at: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (!logger.isLevelEnabled(at)) return;
    logger[at](redact(fields), redactText(message));
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
