/**
 * Decorators for server → client payload classes (responses and events), so their generated
 * schemas are strict enough for the e2e frame check (test/support/frame-contract.ts) to catch a
 * drift between what the server sends and what the protocol package declares.
 *
 * - `@Strict()` on a class: no field beyond the declared ones (`additionalProperties: false`)
 *   and the frame signature.
 *   Left off where a payload is open on purpose (messages, notifications: modules add fields).
 * - `@NullOr(type)` on a field: always present, but may be `null` (class-validator's
 *   `@IsOptional()` would also make it optional in the schema, which the server never sends).
 */
import { ValidateBy } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';

/** What a handler returns for response class T: the transport adds `status` (200 unless set). */
export type Reply<T> = Omit<T, 'status'>;

type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';

/**
 * `payload.signature`: any frame's payload may carry it (SIGNATURE_MODE, see docs/protocol.md
 * "Frame signatures"; crypto.ts SIGNATURE_FIELD, not imported so the payload classes stay free of
 * node:crypto), so a strict payload class still allows it; `{ nested: true }` for a class
 * that is only ever a field of a payload.
 */
export function Strict(options: { nested?: boolean } = {}): ClassDecorator {
  if (options.nested) return JSONSchema({ additionalProperties: false }) as ClassDecorator;
  return JSONSchema((schema) => ({
    ...schema,
    additionalProperties: false,
    properties: { ...schema.properties, signature: { type: 'string', description: 'Frame signature (SIGNATURE_MODE): lowercase hex HMAC-SHA256.' } },
  })) as ClassDecorator;
}

const CHECKS: Record<JsonType, (value: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  integer: (v) => Number.isSafeInteger(v),
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  boolean: (v) => typeof v === 'boolean',
  object: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  array: (v) => Array.isArray(v),
};

/** A required field holding a value of `type` or `null` (with an optional description). */
export function NullOr(type: JsonType, description?: string): PropertyDecorator {
  const validator = ValidateBy({
    name: 'nullOr',
    validator: {
      validate: (value: unknown) => value === null || CHECKS[type](value),
      defaultMessage: (args) => `${args?.property ?? 'value'} must be ${type === 'integer' ? 'an' : 'a'} ${type} or null`,
    },
  });
  const schema = JSONSchema({ type: [type, 'null'], ...(description ? { description } : {}) });
  return (target, key) => {
    schema(target, key as string);
    validator(target, key);
  };
}

/** A required field holding an object of class `cls` (its schema by `$ref`) or `null`. */
export function NullOrRef(cls: Function, description?: string): PropertyDecorator {
  const validator = ValidateBy({
    name: 'nullOrObject',
    validator: {
      validate: (value: unknown) => value === null || CHECKS.object(value),
      defaultMessage: (args) => `${args?.property ?? 'value'} must be an object or null`,
    },
  });
  const schema = JSONSchema({ anyOf: [{ $ref: `#/definitions/${cls.name}` }, { type: 'null' }], ...(description ? { description } : {}) });
  return (target, key) => {
    schema(target, key as string);
    validator(target, key);
  };
}
