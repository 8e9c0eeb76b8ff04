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

/** Throws 400 VALIDATION_FAILED naming the first field with a NUL character or too deep a nesting. */
export function assertStorablePayload(payload: unknown): void {
  const stack: [unknown, string, number][] = [[payload, '', 0]];
  while (stack.length > 0) {
    const [value, path, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) throw refuse(path || 'payload', 'must not contain the NUL character (U+0000)');
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_PAYLOAD_DEPTH) throw refuse(path || 'payload', `is nested too deeply (at most ${MAX_PAYLOAD_DEPTH} levels)`);
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (key.includes('\u0000')) throw refuse(path || 'payload', 'keys must not contain the NUL character (U+0000)');
      stack.push([child, childPath, depth + 1]);
    }
  }
}

class ProtocolValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === PAYLOAD_PARAM_TYPE) {
      assertStorablePayload(value);
      // A registered hot DTO (fast-payload-validators.ts), else the check compiled from a flat
      // DTO's own rules (compiled-payload-check.ts); undefined = not sure, full path below.
      const fast = fastPayloadCheck(metadata.metatype) ?? compiledPayloadCheck(metadata.metatype);
      if (fast) {
        this.stripProtoKeys(value);
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
