/**
 * class-validator for payload DTOs, answering 400 VALIDATION_FAILED with every failing field
 * named (nested paths like `content.text`) so the client knows what to fix.
 */
import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ProtocolError } from '../../shared/protocol';

export function flattenValidationErrors(errors: ValidationError[], prefix = ''): { field: string; problems: string[] }[] {
  const out: { field: string; problems: string[] }[] = [];
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints) out.push({ field, problems: Object.values(error.constraints) });
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, field));
  }
  return out;
}

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fields = flattenValidationErrors(errors);
      const summary = fields.map((f) => `${f.field}: ${f.problems.join(', ')}`).join('; ');
      return new ProtocolError('VALIDATION_FAILED', `invalid payload: ${summary}`, 400, { fields });
    },
  });
}
