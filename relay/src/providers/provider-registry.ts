import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { z } from 'zod';
import { CodeboltError, describeZodError } from '@codebolt/protocol';

/**
 * Provider metadata, read from a provider package's package.json under "codebolt.provider".
 * Secret config fields are marked with `"x-secret": true` in the config schema.
 */
const metadataSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'lowercase letters, digits and "-"'),
  entry: z.string().min(1),
  capabilities: z.array(z.string()).default([]),
  defaults: z.record(z.string(), z.unknown()).default({}),
  configSchema: z.record(z.string(), z.unknown()).default({ type: 'object' }),
  description: z.string().optional(),
  /** Names of variables of the relay's environment the provider process also receives (e.g. a backend's host setting). */
  inheritEnv: z.array(z.string().regex(/^[A-Z_][A-Z0-9_]{0,127}$/, 'an environment variable name')).default([]),
});

export interface ProviderDefinition {
  name: string;
  version: string;
  description?: string;
  packageDir: string;
  /** Absolute path of the provider's main file, run with `node`. */
  entry: string;
  capabilities: string[];
  /** Variables of the relay's environment passed on to the provider process (never `CODEBOLT_*`). */
  inheritEnv: string[];
  defaults: Record<string, unknown>;
  configSchema: Record<string, unknown>;
  secretFields: string[];
  /** Validates a complete, merged config. */
  validate(config: Record<string, unknown>, what: string): void;
  /** Validates a partial config (no required fields): relay-level defaults. */
  validatePartial(config: Record<string, unknown>, what: string): void;
}

const ajv = new Ajv({ allErrors: false, strict: false, useDefaults: false });
ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });

function formatAjvError(error: ErrorObject | undefined, what: string): string {
  if (!error) return `${what} is invalid`;
  const field = error.instancePath ? `${what}${error.instancePath.replaceAll('/', '.')}` : what;
  if (error.keyword === 'additionalProperties') return `${field}: unknown field "${String(error.params.additionalProperty)}"`;
  if (error.keyword === 'required') return `${field}.${String(error.params.missingProperty)}: required field is missing`;
  return `${field}: ${error.message ?? 'invalid'}`;
}

function validator(fn: ValidateFunction, fix: string) {
  return (config: Record<string, unknown>, what: string) => {
    if (!fn(config)) throw new CodeboltError('invalid-config', `${formatAjvError(fn.errors?.[0], what)} (${fix})`);
  };
}

async function loadDefinition(packageDir: string): Promise<ProviderDefinition> {
  const dir = resolve(packageDir);
  let pkg: { name?: string; version?: string; codebolt?: { provider?: unknown } };
  try {
    pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
  } catch (error) {
    throw new CodeboltError('invalid-config', `cannot read the provider package at ${dir}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = metadataSchema.safeParse(pkg.codebolt?.provider);
  if (!parsed.success) {
    throw new CodeboltError('invalid-config', `${join(dir, 'package.json')} has no valid "codebolt.provider" metadata: ${describeZodError(parsed.error)}`);
  }
  const meta = parsed.data;
  const properties = (meta.configSchema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const secretFields = Object.entries(properties)
    .filter(([, schema]) => schema['x-secret'] === true)
    .map(([key]) => key);
  const partialSchema = { ...meta.configSchema };
  delete partialSchema.required;
  const fix = `see \`codebolt provider list\` for the ${meta.name} provider's config fields`;
  return {
    name: meta.name,
    version: pkg.version ?? '0.0.0',
    description: meta.description,
    packageDir: dir,
    entry: isAbsolute(meta.entry) ? meta.entry : join(dir, meta.entry),
    capabilities: meta.capabilities,
    inheritEnv: meta.inheritEnv.filter((name) => !name.startsWith('CODEBOLT_')),
    defaults: meta.defaults,
    configSchema: meta.configSchema,
    secretFields,
    validate: validator(ajv.compile(meta.configSchema), fix),
    validatePartial: validator(ajv.compile(partialSchema), fix),
  };
}

/** The installed providers, loaded once at relay start from their package directories. */
export class ProviderRegistry {
  readonly #byName: Map<string, ProviderDefinition>;

  private constructor(definitions: ProviderDefinition[]) {
    this.#byName = new Map(definitions.map((definition) => [definition.name, definition]));
  }

  static async load(packageDirs: string[]): Promise<ProviderRegistry> {
    const definitions: ProviderDefinition[] = [];
    for (const dir of packageDirs) {
      const definition = await loadDefinition(dir);
      if (definitions.some((existing) => existing.name === definition.name)) {
        throw new CodeboltError('invalid-config', `two provider packages are named "${definition.name}" (${dir}); install each provider once`);
      }
      definitions.push(definition);
    }
    return new ProviderRegistry(definitions);
  }

  list(): ProviderDefinition[] {
    return [...this.#byName.values()];
  }

  /** Throws provider-not-found naming the installed providers. */
  get(name: string): ProviderDefinition {
    const definition = this.#byName.get(name);
    if (!definition) {
      const installed = [...this.#byName.keys()].join(', ') || 'none';
      throw new CodeboltError('provider-not-found', `no provider named "${name}"; installed providers: ${installed} (see \`codebolt provider list\`)`);
    }
    return definition;
  }
}
