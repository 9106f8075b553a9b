import { CliError } from './cli-error.js';

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The part of a provider's JSON schema used to type `--config` values. */
interface SchemaNode {
  type?: unknown;
  properties?: unknown;
  additionalProperties?: unknown;
}

/**
 * Turns repeated `--config key=value` into an object.
 * - A dotted key nests: `env.FOO=bar` → `{ env: { FOO: 'bar' } }`.
 * - With the provider's config `schema`, a value gets the type the schema gives its field
 *   (`string` stays text, `number`/`integer`/`boolean`/`null` are converted, `object`/`array`
 *   are parsed as JSON). Where the schema says nothing, a value that is `true`, `false`, `null`, a
 *   JSON number, or starts with `{`, `[` or `"` is parsed as JSON; anything else is a string.
 * Throws CliError('bad-request') for a pair without `=`, an empty key, or invalid JSON.
 */
export function parseConfigPairs(pairs: string[], schema?: Record<string, unknown>): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const pair of pairs) {
    const separator = pair.indexOf('=');
    const key = separator === -1 ? '' : pair.slice(0, separator);
    const path = key.split('.');
    if (separator === -1 || path.some((segment) => segment === '')) {
      throw new CliError('bad-request', `--config expects key=value (got ${JSON.stringify(pair)})`, { fix: 'write it like --config image=node:20 or --config env.FOO=bar' });
    }
    if (path.some((segment) => FORBIDDEN_KEYS.has(segment))) {
      throw new CliError('bad-request', `--config key ${JSON.stringify(key)} is not allowed`, { fix: 'use the field names of the provider config schema' });
    }
    const fieldSchema = path.reduce<SchemaNode | undefined>((node, segment) => childSchema(node, segment), schema);
    setPath(config, path, typedValue(key, pair.slice(separator + 1), fieldSchema));
  }
  return config;
}

function childSchema(node: SchemaNode | undefined, key: string): SchemaNode | undefined {
  if (!node) return undefined;
  const properties = isRecord(node.properties) ? node.properties : undefined;
  const property = properties?.[key];
  if (isRecord(property)) return property;
  return isRecord(node.additionalProperties) ? node.additionalProperties : undefined;
}

function typedValue(key: string, raw: string, schema: SchemaNode | undefined): unknown {
  const types = schema ? [schema.type].flat().filter((type): type is string => typeof type === 'string') : [];
  if (types.length === 0) return JSON_NUMBER.test(raw) || /^(true|false|null)$/.test(raw) || /^[[{"]/.test(raw) ? parseJson(key, raw) : raw;
  if (types.includes('string')) return raw;
  if ((types.includes('number') || types.includes('integer')) && JSON_NUMBER.test(raw)) return Number(raw);
  if (types.includes('boolean') && (raw === 'true' || raw === 'false')) return raw === 'true';
  if (types.includes('null') && raw === 'null') return null;
  if (types.includes('object') || types.includes('array')) return parseJson(key, raw);
  return raw;
}

function parseJson(key: string, raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new CliError('bad-request', `--config ${key}: ${JSON.stringify(raw)} is not valid JSON`, { fix: 'fix the JSON, or quote it as a JSON string' });
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const [index, segment] of path.entries()) {
    if (index === path.length - 1) {
      node[segment] = value;
      return;
    }
    const next = node[segment];
    if (next === undefined) {
      const child: Record<string, unknown> = {};
      node[segment] = child;
      node = child;
    } else if (isRecord(next) && !Array.isArray(next)) {
      node = next;
    } else {
      throw new CliError('bad-request', `--config ${path.slice(0, index + 1).join('.')} is set to a value and used as an object`, { fix: 'set either the key or its sub-keys' });
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
