/**
 * The paging fields list commands share, as composed class-validator decorators, so every list
 * command answers the same error text and carries the same JSON Schema for `cursor` and `limit`.
 */
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';

type PropertyDecoratorFn = (target: object, propertyKey: string) => void;

/** Applies decorators as if stacked in this order above the property (the last one runs first). */
function compose(...decorators: PropertyDecoratorFn[]): PropertyDecoratorFn {
  return (target, propertyKey) => {
    for (const decorate of [...decorators].reverse()) decorate(target, propertyKey);
  };
}

/** Optional page size, an integer 1..max. */
export function PageLimit(max: number): PropertyDecoratorFn {
  const message = `limit must be an integer between 1 and ${max}`;
  return compose(IsOptional(), IsInt({ message }), Min(1, { message }), Max(max, { message }));
}

/** Optional opaque cursor: the `next_cursor` of a previous page. */
export function PageCursor(): PropertyDecoratorFn {
  return compose(
    JSONSchema({ description: 'Opaque cursor from a previous page (`next_cursor`).' }) as PropertyDecoratorFn,
    IsOptional(),
    IsString({ message: 'cursor must be the opaque string returned as next_cursor' }),
    MaxLength(512),
  );
}
