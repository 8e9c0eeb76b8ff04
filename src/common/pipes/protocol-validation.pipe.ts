/**
 * class-validator for payload DTOs, answering 400 VALIDATION_FAILED with every failing field
 * named (nested paths like `content.text`) so the client knows what to fix.
 *
 * Before the DTO checks, every payload is walked once (iteratively, so it cannot overflow the
 * stack itself) for two things no DTO rule catches and that used to end in a 500:
 * - U+0000 in any string or key: PostgreSQL cannot store it (SQLite can), so the engines disagreed;
 * - nesting deeper than MAX_PAYLOAD_DEPTH: JSON.parse accepts 100k levels inside MAX_FRAME_BYTES,
 *   but hashing/serializing such a value overflows the stack.
 * Then, on the DTO instance, `null` in any declared field that is not `@Nullable()` (see
 * shared/protocol/null-fields.ts): `@IsOptional()` alone lets null through to the services.
 */
import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import type { ValidationError, ValidatorOptions } from 'class-validator';
import { flattenValidationErrors, nullFieldProblems, ProtocolError, validationError } from '../../shared/protocol';
import { compiledPayloadCheck } from './compiled-payload-check';
import { fastPayloadCheck } from './fast-payload-validators';
import { cacheValidationMetadata } from './validation-metadata-cache';

/** Deepest nesting a payload may have (the payload object itself is depth 1). */
export const MAX_PAYLOAD_DEPTH = 32;

/**
 * @Payload() (RpcParamtype.PAYLOAD = 3) reaches pipes as 'body': Nest's pipes consumer maps the
 * numeric param type through the HTTP names. Only the payload is walked (not @Ctx() or custom params).
 */
const PAYLOAD_PARAM_TYPE = 'body';

function refuse(field: string, problem: string): ProtocolError {
  return validationError([{ field, problems: [problem] }]);
}

/** Keys Nest's stripProtoKeys deletes (prototype pollution): `__proto__`, `prototype`, `constructor`. */
const PROTO_KEYS: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor']);

/**
 * Throws 400 VALIDATION_FAILED naming the first field with a NUL character or too deep a nesting.
 * Returns whether any object in the payload has a key stripProtoKeys would delete (the fast path
 * then needs that walk; almost no payload does).
 */
export function assertStorablePayload(payload: unknown): boolean {
  const found = { protoKeys: false };
  walkPayload(payload, '', '', 0, found);
  return found.protoKeys;
}

/**
 * Recursion is safe here: it stops at MAX_PAYLOAD_DEPTH levels. The order is the one the former
 * explicit stack had (an object's keys checked first, then its children from the last key to the
 * first), so the field a 400 names is unchanged. Paths are built only for an error.
 */
function walkPayload(value: unknown, parentPath: string, ownKey: string, depth: number, found: { protoKeys: boolean }): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) throw refuse(pathOf(parentPath, ownKey) || 'payload', 'must not contain the NUL character (U+0000)');
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (depth >= MAX_PAYLOAD_DEPTH) throw refuse(pathOf(parentPath, ownKey) || 'payload', `is nested too deeply (at most ${MAX_PAYLOAD_DEPTH} levels)`);
  const path = depth === 0 ? '' : pathOf(parentPath, ownKey);
  const keys = Object.keys(value);
  for (const key of keys) {
    if (key.includes('\u0000')) throw refuse(path || 'payload', 'keys must not contain the NUL character (U+0000)');
    if (PROTO_KEYS.has(key)) found.protoKeys = true;
  }
  for (let i = keys.length - 1; i >= 0; i--) walkPayload((value as Record<string, unknown>)[keys[i]], path, keys[i], depth + 1, found);
}

function pathOf(parentPath: string, key: string): string {
  return parentPath ? `${parentPath}.${key}` : key;
}

class ProtocolValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // @Ctx()/@CurrentUser() values: Nest's ValidationPipe returns them as they are
    // (validateCustomDecorators is off); answered here without its async detour.
    if (metadata.type === 'custom') return value;
    if (metadata.type === PAYLOAD_PARAM_TYPE) {
      const protoKeys = assertStorablePayload(value);
      // A registered hot DTO (fast-payload-validators.ts), else the check compiled from a flat
      // DTO's own rules (compiled-payload-check.ts); undefined = not sure, full path below.
      const fast = fastPayloadCheck(metadata.metatype) ?? compiledPayloadCheck(metadata.metatype);
      if (fast) {
        // A no-op unless the walk above saw such a key.
        if (protoKeys) this.stripProtoKeys(value);
        const dto = fast(value);
        if (dto) return dto;
      }
    }
    return super.transform(value, metadata);
  }

  /** Runs on the transformed DTO instance: a null in a declared, non-@Nullable field is a 400 naming it. */
  protected override async validate(object: object, options?: ValidatorOptions): Promise<ValidationError[]> {
    const nulls = nullFieldProblems(object);
    if (nulls.length > 0) throw validationError(nulls);
    return super.validate(object, options);
  }
}

export function createValidationPipe(): ValidationPipe {
  cacheValidationMetadata();
  return new ProtocolValidationPipe({
    transform: true,
    whitelist: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    // The same error shape as the SDK's validatePayload(), so both sides agree.
    exceptionFactory: (errors) => validationError(flattenValidationErrors(errors)),
  });
}
