/**
 * Accept-only fast checks compiled from a DTO's own class-validator metadata, for every flat DTO
 * (strings, numbers, booleans and arrays of those; no nested DTOs): the validation pipe asks this
 * before class-transformer + class-validator, which cost ≈ 14 % of an authenticated request's
 * server CPU (presence/list) although almost every payload is valid.
 *
 * The compiled check runs the very validators the decorators registered (same constraint
 * instances, same arguments, same `@IsOptional`/`@ValidateIf` conditions, in class-validator's
 * order) on an instance built the way plainToInstance builds it (`new Dto()`, then the payload's
 * keys assigned in order, arrays copied). It only ever says "valid, here is the instance"; for
 * anything it is not sure of it answers `undefined` and the payload takes the full pipe, which
 * produces every error exactly as before:
 * - any rule failing, any `null`, an object value, a key the whitelist would strip;
 * - at compile time (then never fast): nested or promise validation, async constraints,
 *   class-transformer metadata (@Type, @Transform, @Expose, @Exclude), class field initializers
 *   that are not declared fields, accessors or methods named like a field, or no rules at all
 *   (forbidUnknownValues refuses those).
 * test/unit/common/compiled-payload-check.spec.ts checks it against the full pipe for every
 * protocol DTO with generated payloads.
 */
import type { ValidationArguments } from 'class-validator';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import { TransformationType } from 'class-transformer';
// The storage plainToInstance reads (no typed entry point of its own; as in schemas/generate.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as typeof import('class-transformer/types/storage');

export type CompiledCheck = (payload: unknown) => object | undefined;

interface Rule {
  readonly constraints: unknown[];
  readonly each: boolean;
  readonly validateIf?: (object: object, value: unknown) => boolean;
  readonly validators: { validate(value: unknown, args: ValidationArguments): unknown }[];
}

interface Field {
  readonly name: string;
  readonly conditions: ((object: object, value: unknown) => boolean)[];
  /** @IsDefined rules first (class-validator runs them before the others), then the rest, in order. */
  readonly rules: Rule[];
}

/** Types Nest's ValidationPipe does not validate (toValidate). */
const NOT_VALIDATED = new Set<unknown>([String, Boolean, Number, Array, Object, Buffer, Date]);
const compiled = new WeakMap<Function, CompiledCheck | null>();

/** The compiled check of `dto`, or undefined when it cannot be compiled (always the full pipe). */
export function compiledPayloadCheck(dto: Function | undefined): CompiledCheck | undefined {
  if (dto === undefined || NOT_VALIDATED.has(dto)) return undefined;
  let check = compiled.get(dto);
  if (check === undefined) compiled.set(dto, (check = compile(dto as new () => object)));
  return check ?? undefined;
}

type Metadata = ReturnType<ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']>[number];

function compile(dto: new () => object): CompiledCheck | null {
  const storage = getMetadataStorage();
  // The same arguments ValidationExecutor.execute uses for validate(object, {whitelist, ...}).
  const metadatas: Metadata[] = storage.getTargetValidationMetadatas(dto, undefined as unknown as string, false, false, undefined);
  if (metadatas.length === 0) return null;
  const byName = new Map<string, Metadata[]>();
  for (const m of metadatas) {
    const list = byName.get(m.propertyName) ?? [];
    list.push(m);
    byName.set(m.propertyName, list);
  }
  if (!plainTransformOnly(dto, [...byName.keys()])) return null;
  let probe: object;
  try {
    probe = new dto();
  } catch {
    return null;
  }
  // The whitelist would strip an undeclared property a field initializer created.
  if (Object.keys(probe).some((key) => !byName.has(key))) return null;

  const fields: Field[] = [];
  for (const [name, list] of byName) {
    const conditions: Field['conditions'] = [];
    const defined: Rule[] = [];
    const others: Rule[] = [];
    for (const m of list) {
      switch (m.type) {
        case ValidationTypes.WHITELIST:
          break;
        case ValidationTypes.CONDITIONAL_VALIDATION:
          conditions.push(m.constraints[0] as Field['conditions'][number]);
          break;
        case ValidationTypes.IS_DEFINED:
        case ValidationTypes.CUSTOM_VALIDATION: {
          const constraintMetadatas = storage.getTargetValidatorConstraints(m.constraintCls);
          if (constraintMetadatas.some((c) => c.async)) return null;
          const rule: Rule = {
            constraints: m.constraints,
            each: m.each === true,
            validateIf: (m as { validateIf?: Rule['validateIf'] }).validateIf,
            // Resolved once: class-validator looks the instance up in its container per frame.
            validators: constraintMetadatas.map((c) => c.instance as Rule['validators'][number]),
          };
          (m.type === ValidationTypes.IS_DEFINED ? defined : others).push(rule);
          break;
        }
        default:
          // Nested or promise validation: class-transformer builds nested instances; full pipe.
          return null;
      }
    }
    fields.push({ name, conditions, rules: [...defined, ...others] });
  }
  const declared = new Set(byName.keys());
  const targetName = dto.name;

  return (payload: unknown): object | undefined => {
    try {
      return check(payload);
    } catch {
      // A validator that throws on this value: the full pipe decides what that means.
      return undefined;
    }
  };

  function check(payload: unknown): object | undefined {
    if (typeof payload !== 'object' || payload === null || Object.getPrototypeOf(payload) !== Object.prototype) return undefined;
    const instance = new dto() as Record<string, unknown>;
    for (const key of Object.keys(payload)) {
      if (!declared.has(key)) return undefined;
      const value = (payload as Record<string, unknown>)[key];
      if (Array.isArray(value)) {
        for (const element of value) if (!primitive(element)) return undefined;
        // plainToInstance copies arrays.
        instance[key] = value.slice();
      } else if (primitive(value)) {
        instance[key] = value;
      } else {
        return undefined;
      }
    }
    for (const field of fields) {
      const value = instance[field.name];
      let applies = true;
      for (const condition of field.conditions) applies = condition(instance, value) && applies;
      if (!applies) continue;
      for (const rule of field.rules) {
        if (rule.validateIf && !rule.validateIf(instance, value)) continue;
        const args: ValidationArguments = { targetName, property: field.name, object: instance, value, constraints: rule.constraints };
        for (const validator of rule.validators) {
          if (rule.each && Array.isArray(value)) {
            for (const element of value) if (validator.validate(element, args) !== true) return undefined;
          } else if (validator.validate(value, args) !== true) {
            return undefined;
          }
        }
      }
    }
    return instance;
  }
}

/** JSON primitives that reach a DTO unchanged (null is left to the full pipe's null check). */
function primitive(value: unknown): boolean {
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean';
}

/** plainToInstance with the pipe's (default) options is `new Dto()` + assignment for this class. */
function plainTransformOnly(dto: Function, fields: string[]): boolean {
  const storage = defaultMetadataStorage;
  if (storage.getStrategy(dto) !== 'none') return false;
  if (storage.getExposedMetadatas(dto).length > 0 || storage.getExcludedMetadatas(dto).length > 0) return false;
  for (const field of fields) {
    if (storage.findTypeMetadata(dto, field)) return false;
    if (storage.findTransformMetadatas(dto, field, TransformationType.PLAIN_TO_CLASS).length > 0) return false;
    // plainToInstance skips getter-only accessors and methods of that name.
    for (let proto = dto.prototype as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
      if (Object.getOwnPropertyDescriptor(proto, field)) return false;
    }
  }
  return true;
}
