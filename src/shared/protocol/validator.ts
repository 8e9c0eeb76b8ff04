/**
 * Envelope and version validation. This runs once per frame, so it is hand-written (no
 * reflection, no class instantiation); payload DTOs are validated per command with
 * class-validator further down the pipeline.
 */
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { Envelope, FrameType, PROTOCOL_VERSION, SUPPORTED_VERSIONS } from './envelope';
import { ProtocolError } from './errors';
import { nullFieldProblems } from './null-fields';

export const MAX_ID_LENGTH = 128;
export const MAX_COMMAND_LENGTH = 64;
const FRAME_TYPES: ReadonlySet<string> = new Set<FrameType>(['request', 'response', 'event']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Best effort: the id of something that failed validation, so the error can echo it. */
export function readableId(value: unknown): string | undefined {
  if (isPlainObject(value) && typeof value.id === 'string' && value.id.length <= MAX_ID_LENGTH) {
    return value.id;
  }
  return undefined;
}

/**
 * Checks the envelope shape; returns it typed or throws `INVALID_ENVELOPE` naming the field.
 * `payload` may be omitted (treated as `{}`), `type` defaults to `request`.
 */
export function validateEnvelope(value: unknown): Envelope {
  if (!isPlainObject(value)) {
    throw new ProtocolError('INVALID_ENVELOPE', 'frame must be a JSON object');
  }
  const { id, command, type, headers, payload, timestamp } = value;
  // No NUL: ids are stored (message/send idempotency key) and PostgreSQL cannot store U+0000.
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH || id.includes('\u0000')) {
    throw new ProtocolError(
      'INVALID_ENVELOPE',
      `"id" must be a non-empty string of at most ${MAX_ID_LENGTH} characters without NUL (U+0000)`,
    );
  }
  if (typeof command !== 'string' || command.length === 0 || command.length > MAX_COMMAND_LENGTH) {
    throw new ProtocolError(
      'INVALID_ENVELOPE',
      `"command" must be a non-empty string like "auth/login" (at most ${MAX_COMMAND_LENGTH} characters)`,
    );
  }
  if (type === undefined) {
    value.type = 'request';
  } else if (typeof type !== 'string' || !FRAME_TYPES.has(type)) {
    throw new ProtocolError('INVALID_ENVELOPE', '"type" must be one of request, response, event');
  }
  if (headers !== undefined && !isPlainObject(headers)) {
    throw new ProtocolError('INVALID_ENVELOPE', '"headers" must be an object when present');
  }
  if (payload === undefined || payload === null) {
    value.payload = {};
  } else if (!isPlainObject(payload)) {
    throw new ProtocolError('INVALID_ENVELOPE', '"payload" must be an object when present');
  }
  if (timestamp !== undefined && (typeof timestamp !== 'number' || !Number.isFinite(timestamp))) {
    throw new ProtocolError('INVALID_ENVELOPE', '"timestamp" must be a number (Unix seconds)');
  }
  return value as unknown as Envelope;
}

/**
 * `headers.version` absent → the current version. An unsupported version → 426 with the list of
 * supported versions and an upgrade hint.
 */
export function checkVersion(
  headers: Envelope['headers'],
  supported: readonly string[] = SUPPORTED_VERSIONS,
): string {
  const version = headers?.version;
  if (version === undefined) return PROTOCOL_VERSION;
  if (typeof version === 'string' && supported.includes(version)) return version;
  throw new ProtocolError(
    'UNSUPPORTED_VERSION',
    // Echo only a short string: a non-string (possibly deeply nested) value is never serialized.
    `protocol version ${typeof version === 'string' ? JSON.stringify(version.slice(0, 32)) : `of type ${Array.isArray(version) ? 'array' : typeof version}`} is not supported; upgrade the client to speak one of: ${supported.join(', ')}`,
    undefined,
    { upgrade: `use headers.version "${supported[supported.length - 1]}"` },
  );
}

/** Compares dotted versions numerically: `compareVersions('1.10', '1.9') > 0`. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Payload validation against a DTO class, outside Nest (SDK, tools, tests). The server runs the
// same classes through its ValidationPipe with the same options, so both sides agree.

export interface FieldProblem {
  field: string;
  problems: string[];
}

/** Flattens class-validator errors into `{field: 'content.text', problems: [...]}` entries. */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints) out.push({ field, problems: Object.values(error.constraints) });
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, field));
  }
  return out;
}

/** 400 VALIDATION_FAILED for one field the DTO could not check (e.g. a limit from configuration). */
export function fieldError(field: string, problem: string): ProtocolError {
  return validationError([{ field, problems: [problem] }]);
}

/** The VALIDATION_FAILED error for a list of field problems (same shape as the server's pipe). */
export function validationError(fields: FieldProblem[]): ProtocolError {
  const summary = fields.map((f) => `${f.field}: ${f.problems.join(', ')}`).join('; ');
  return new ProtocolError('VALIDATION_FAILED', `invalid payload: ${summary}`, 400, { fields });
}

/**
 * Transforms a plain payload into an instance of `dto` and validates it synchronously. Unknown
 * fields are stripped (like the server's whitelist). Throws `VALIDATION_FAILED` naming every
 * failing field.
 */
export function validatePayload<T extends object>(dto: ClassConstructor<T>, payload: unknown): T {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new ProtocolError('VALIDATION_FAILED', 'invalid payload: payload must be an object', 400, {
      fields: [{ field: 'payload', problems: ['payload must be an object'] }],
    });
  }
  const instance = plainToInstance(dto, payload);
  const nulls = nullFieldProblems(instance);
  if (nulls.length > 0) throw validationError(nulls);
  const errors = validateSync(instance, {
    whitelist: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) throw validationError(flattenValidationErrors(errors));
  return instance;
}
