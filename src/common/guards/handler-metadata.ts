/**
 * Per-handler memo of a Reflector lookup. Decorator metadata is fixed once the classes are
 * defined, yet the global guards asked the Reflector on every frame (`getAllAndOverride` walks
 * the handler and its class through reflect-metadata each time). This reads it once per
 * (handler, class) pair and answers from a WeakMap afterwards.
 */
import type { ExecutionContext, Type } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';

export class HandlerMetadata<T> {
  private readonly byHandler = new WeakMap<Function, { cls: Type<unknown>; value: T | undefined }>();

  constructor(
    private readonly reflector: Reflector,
    private readonly key: string,
  ) {}

  /** The handler's value, else its class's (Reflector.getAllAndOverride). */
  of(context: ExecutionContext): T | undefined {
    const handler = context.getHandler();
    const cls = context.getClass();
    const memo = this.byHandler.get(handler);
    // A method inherited by two controller classes is one function: the class is part of the key.
    if (memo !== undefined && memo.cls === cls) return memo.value;
    const value = this.reflector.getAllAndOverride<T | undefined>(this.key, [handler, cls]);
    this.byHandler.set(handler, { cls, value });
    return value;
  }
}
