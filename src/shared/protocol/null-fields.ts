/**
 * `null` in a declared payload field is refused with 400 naming the field, unless the field is
 * marked `@Nullable()`. class-validator's `@IsOptional()` treats null like "absent", so a null
 * slipped past every type check and reached the services (e.g. `message/history
 * {"conversation_id": null}` became a "null value in where condition" 500 on PostgreSQL).
 * Checked on the transformed instance, so nested DTOs (`@ValidateNested` + `@Type`) are walked
 * with their own declared fields; open objects (content, meta, attachments) keep their own rules.
 */
import { getMetadataStorage } from 'class-validator';
import type { FieldProblem } from './validator';

const nullable = new WeakMap<object, Set<string>>();

/** Marks a DTO field where `null` is a documented value (e.g. presence text: null clears it). */
export function Nullable(): PropertyDecorator {
  return (target, property) => {
    const set = nullable.get(target.constructor) ?? new Set<string>();
    set.add(String(property));
    nullable.set(target.constructor, set);
  };
}

function isNullable(cls: Function, property: string): boolean {
  for (let c: Function | null = cls; c && c !== Object; c = Object.getPrototypeOf(c) as Function | null) {
    if (nullable.get(c)?.has(property)) return true;
  }
  return false;
}

function declaredFields(cls: Function): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))];
}

/** Problems for every non-nullable declared field (or array element of one) holding null. */
export function nullFieldProblems(instance: unknown, prefix = '', depth = 0): FieldProblem[] {
  if (typeof instance !== 'object' || instance === null || depth > 8) return [];
  const cls = (instance as object).constructor;
  if (!cls || cls === Object) return [];
  const out: FieldProblem[] = [];
  for (const field of declaredFields(cls)) {
    const value = (instance as Record<string, unknown>)[field];
    const path = prefix ? `${prefix}.${field}` : field;
    if (value === null) {
      if (!isNullable(cls, field)) out.push({ field: path, problems: [`${path} must not be null (omit it, or send a value of the documented type)`] });
    } else if (Array.isArray(value)) {
      value.forEach((element, i) => {
        const at = `${path}[${i}]`;
        if (element === null) out.push({ field: at, problems: [`${at} must not be null`] });
        else out.push(...nullFieldProblems(element, at, depth + 1));
      });
    } else {
      out.push(...nullFieldProblems(value, path, depth + 1));
    }
  }
  return out;
}
