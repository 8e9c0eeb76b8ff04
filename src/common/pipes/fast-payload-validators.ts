/**
 * Hand-written accept-only checks for hot payload DTOs, consulted by the global validation pipe
 * before class-transformer + class-validator.
 *
 * A fast check returns the DTO instance the full pipe would have returned, or `undefined` for
 * anything it is not sure about (any rule failing, a null, an undeclared key to strip, an odd
 * shape): the payload then takes the full class-validator path, which answers exactly as before.
 * So a fast check can only make valid payloads cheaper; every 400 still comes from the DTO's
 * decorators, and the generated JSON Schemas are untouched.
 *
 * Registered by the module that owns the DTO (e.g. message/send, ≈ 15-20 % of a send's server CPU
 * went to plainToInstance + validate). test/unit/message/send-request-fast-path.spec.ts holds the
 * differential test that the full pipe and the fast check agree.
 */
export type FastPayloadCheck = (payload: unknown) => object | undefined;

const checks = new Map<Function, FastPayloadCheck>();

export function registerFastPayloadCheck(dto: Function, check: FastPayloadCheck): void {
  checks.set(dto, check);
}

export function fastPayloadCheck(dto: Function | undefined): FastPayloadCheck | undefined {
  return dto === undefined ? undefined : checks.get(dto);
}
