/** Status codes carried in `payload.status` (draft §1.2, plus 413/426/503/507). */
export const Status = {
  OK: 200,
  ACCEPTED: 202,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UPGRADE_REQUIRED: 426,
  TOO_MANY_REQUESTS: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  INSUFFICIENT_STORAGE: 507,
} as const;
export type StatusCode = (typeof Status)[keyof typeof Status];

/**
 * Stable, machine-readable error codes. Clients switch on these, never on messages, so a code is
 * never renamed once shipped. Each maps to the status it is normally sent with.
 */
export const ErrorCodes = {
  // framing / envelope
  FRAME_TOO_LARGE: Status.PAYLOAD_TOO_LARGE,
  INVALID_JSON: Status.BAD_REQUEST,
  INVALID_ENVELOPE: Status.BAD_REQUEST,
  FRAME_TIMEOUT: Status.BAD_REQUEST,
  UNKNOWN_COMMAND: Status.NOT_FOUND,
  VALIDATION_FAILED: Status.BAD_REQUEST,
  UNSUPPORTED_VERSION: Status.UPGRADE_REQUIRED,
  IDLE_TIMEOUT: Status.BAD_REQUEST,
  SLOW_CONSUMER: Status.UNAVAILABLE,
  SERVER_DRAINING: Status.UNAVAILABLE,
  HEARTBEAT_TIMEOUT: Status.BAD_REQUEST,
  TOO_MANY_CONNECTIONS: Status.UNAVAILABLE,
  AUTH_TIMEOUT: Status.UNAUTHORIZED,
  // auth
  TOKEN_MISSING: Status.UNAUTHORIZED,
  TOKEN_INVALID: Status.UNAUTHORIZED,
  TOKEN_EXPIRED: Status.UNAUTHORIZED,
  SESSION_REVOKED: Status.UNAUTHORIZED,
  INVALID_CREDENTIALS: Status.UNAUTHORIZED,
  REFRESH_INVALID: Status.UNAUTHORIZED,
  REFRESH_REUSED: Status.UNAUTHORIZED,
  SIGNATURE_INVALID: Status.UNAUTHORIZED,
  REPLAY_DETECTED: Status.UNAUTHORIZED,
  DECRYPTION_FAILED: Status.BAD_REQUEST,
  ENCRYPTION_REQUIRED: Status.BAD_REQUEST,
  USER_DISABLED: Status.FORBIDDEN,
  /** AUTH_PASSWORD_LOGIN=off (or admins-only for a non-admin): sign in with a provider (auth/providers). */
  PASSWORD_LOGIN_DISABLED: Status.FORBIDDEN,
  /** An OIDC ID token that does not verify (signature, issuer, audience, expiry, nonce). */
  ID_TOKEN_INVALID: Status.UNAUTHORIZED,
  FORBIDDEN: Status.FORBIDDEN,
  REGISTRATION_CLOSED: Status.FORBIDDEN,
  USERNAME_TAKEN: Status.CONFLICT,
  WEAK_PASSWORD: Status.BAD_REQUEST,
  RATE_LIMITED: Status.TOO_MANY_REQUESTS,
  KICKED: Status.UNAUTHORIZED,
  // domain
  USER_NOT_FOUND: Status.NOT_FOUND,
  NOT_FOUND: Status.NOT_FOUND,
  NOT_A_MEMBER: Status.FORBIDDEN,
  /** The generic "the other user does not accept this from you" (privacy rules, blocks). */
  REFUSED: Status.FORBIDDEN,
  CONFLICT: Status.CONFLICT,
  IDEMPOTENCY_CONFLICT: Status.CONFLICT,
  INVALID_CURSOR: Status.BAD_REQUEST,
  /** message/edit or message/recall of a message someone else sent (and you may not moderate). */
  NOT_AUTHOR: Status.FORBIDDEN,
  EDIT_WINDOW_EXPIRED: Status.FORBIDDEN,
  RECALL_WINDOW_EXPIRED: Status.FORBIDDEN,
  /** The message was recalled: it can no longer be edited, reacted to or pinned. */
  MESSAGE_RECALLED: Status.CONFLICT,
  /** A per-message or per-conversation bound (distinct reactions, pins) is reached. */
  LIMIT_REACHED: Status.CONFLICT,
  // files (docs/protocol.md "File transfer")
  FILE_TOO_LARGE: Status.PAYLOAD_TOO_LARGE,
  QUOTA_EXCEEDED: Status.PAYLOAD_TOO_LARGE,
  HASH_MISMATCH: Status.BAD_REQUEST,
  MODE_NOT_SUPPORTED: Status.BAD_REQUEST,
  TRANSFER_NOT_FOUND: Status.NOT_FOUND,
  TRANSFER_QUEUED: Status.CONFLICT,
  TRANSFER_CLOSED: Status.CONFLICT,
  TRANSFER_SUPERSEDED: Status.CONFLICT,
  TRANSFER_BUSY: Status.CONFLICT,
  INVALID_FRAME: Status.BAD_REQUEST,
  /** File storage is full or below FILE_MIN_FREE_BYTES: upload again after retry_after_ms. */
  STORAGE_FULL: Status.INSUFFICIENT_STORAGE,
  // push
  /** push/register for a platform this server has no credentials for. */
  PLATFORM_NOT_CONFIGURED: Status.BAD_REQUEST,
  /** push/register beyond the per-user number of push tokens. */
  TOO_MANY_DEVICES: Status.CONFLICT,
  // server
  INTERNAL_ERROR: Status.INTERNAL,
  UNAVAILABLE: Status.UNAVAILABLE,
  /** The server runs but cannot serve yet (pending database migrations); retry after retry_after_ms. */
  NOT_READY: Status.UNAVAILABLE,
} as const;
export type ErrorCode = keyof typeof ErrorCodes;

export interface ErrorPayload {
  status: number;
  error_code: string;
  error_message: string;
  [extra: string]: unknown;
}

/**
 * The one error type every layer throws. The transport's exception filter turns it into a
 * response payload; anything else becomes a 500 INTERNAL_ERROR with no internals leaked.
 */
export class ProtocolError extends Error {
  readonly status: number;
  readonly retryable: boolean;

  constructor(
    readonly code: ErrorCode | (string & {}),
    message: string,
    status?: number,
    /** Extra payload fields, e.g. `retry_after_ms` or `fields`. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ProtocolError';
    this.status = status ?? (ErrorCodes as Record<string, number>)[code] ?? Status.INTERNAL;
    this.retryable = this.status >= 500 || this.status === Status.TOO_MANY_REQUESTS;
  }

  toPayload(): ErrorPayload {
    return {
      ...this.details,
      status: this.status,
      error_code: this.code,
      error_message: this.message,
    };
  }

  static is(value: unknown): value is ProtocolError {
    return value instanceof ProtocolError;
  }
}

// Shared helpers for the answers every module gives the same way (400 errors: validator.ts's
// validationError / fieldError). A database or Redis outage needs none: let it propagate, the
// transport answers 503 with retry_after_ms (transport/protocol-error.mapper.ts).

/**
 * 404 NOT_FOUND. Also the answer for something that exists but the caller may not see: a stranger
 * must get exactly what a wrong id gets (no existence leak).
 */
export function notFound(what: string): ProtocolError {
  return new ProtocolError('NOT_FOUND', `no ${what}`, 404);
}

/** 403 FORBIDDEN: the caller may see the thing but not do this to it; the message says why. */
export function forbidden(message: string): ProtocolError {
  return new ProtocolError('FORBIDDEN', message, 403);
}
