/**
 * One small pattern for every configuration namespace: a class-validator class describing the
 * environment variables it reads, and a mapping to the typed object services inject.
 *
 * Namespaces read from an explicit env record (not `process.env` directly) so tests can start
 * several differently configured apps in one process.
 */
import { Inject } from '@nestjs/common';
import { ConfigFactory, registerAs } from '@nestjs/config';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';

export type Env = Record<string, string | undefined>;

/** Start-up configuration error: one line naming the variable, the bad value and what is allowed. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface ConfigNamespace<T> {
  readonly key: string;
  /** DI token, as `registerAs` would name it. */
  readonly token: string;
  /** The class-validator class describing the variables (docs and the .env.example check). */
  readonly schema: new () => object;
  /** Parses and validates `env`; throws ConfigError. */
  parse(env: Env): T;
  /** A `@nestjs/config` load factory bound to `env`. */
  load(env: Env): ConfigFactory;
}

export type ConfigOf<N> = N extends ConfigNamespace<infer T> ? T : never;

function describe(error: ValidationError): string {
  // Several constraints often share one message ("integer between 0 and 65535"): say it once.
  const constraints = [...new Set(Object.values(error.constraints ?? {}))];
  return constraints.join('; ') || 'invalid value';
}

export function defineConfig<E extends object, T extends object>(
  key: string,
  schema: new () => E,
  map: (env: E) => T,
): ConfigNamespace<T> {
  const parse = (env: Env): T => {
    // Empty strings mean "unset" (common in .env files and compose files).
    const raw: Record<string, string> = {};
    for (const name of Object.keys(env)) {
      const value = env[name];
      if (value !== undefined && value !== '') raw[name] = value;
    }
    const instance = plainToInstance(schema, raw, { exposeDefaultValues: true });
    const errors = validateSync(instance as object, { skipMissingProperties: false });
    if (errors.length > 0) {
      const first = errors[0];
      const value = raw[first.property];
      throw new ConfigError(
        `Invalid configuration: ${first.property}=${value === undefined ? '(unset)' : JSON.stringify(value)}: ${describe(first)}`,
      );
    }
    return map(instance);
  };
  return {
    key,
    token: `CONFIGURATION(${key})`,
    schema,
    parse,
    load: (env: Env) => registerAs(key, () => parse(env) as Record<string, unknown>) as ConfigFactory,
  };
}

/** `@InjectConfig(transportConfig) cfg: ConfigOf<typeof transportConfig>` */
export function InjectConfig(namespace: ConfigNamespace<unknown>): ParameterDecorator {
  return Inject(namespace.token) as ParameterDecorator;
}
