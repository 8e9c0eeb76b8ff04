/**
 * Maps anything thrown in the pipeline to a ProtocolError. Nest's own exceptions (a guard that
 * returns false, a pipe's BadRequest) and RpcExceptions carrying our payload are recognised;
 * a dependency outage (PostgreSQL, Redis unreachable) is a retryable 503 UNAVAILABLE with a
 * jittered retry_after_ms; everything else is a 500 whose message does not leak internals.
 */
import { dependencyOutage, jitteredRetryAfter } from '../infra/dependency-outage';
import { ErrorCodes, ProtocolError } from '../shared/protocol';

/** What @nestjs/core's guard consumer throws (FORBIDDEN_MESSAGE, not exported publicly). */
const FORBIDDEN_MESSAGE = 'Forbidden resource';

interface HttpLike {
  getStatus(): number;
  getResponse(): unknown;
  message: string;
}

function isHttpLike(err: unknown): err is HttpLike {
  return typeof err === 'object' && err !== null && typeof (err as HttpLike).getStatus === 'function';
}

const STATUS_TO_CODE: Record<number, string> = {
  400: 'VALIDATION_FAILED',
  401: 'TOKEN_INVALID',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
};

export function toProtocolError(err: unknown): ProtocolError {
  if (err instanceof ProtocolError) return err;
  const outage = dependencyOutage(err);
  if (outage) return unavailable(outage);
  if (typeof err === 'object' && err !== null && typeof (err as { getError?: unknown }).getError === 'function') {
    // RpcException: its error may be our payload shape or a string.
    const inner = (err as { getError(): unknown }).getError();
    if (typeof inner === 'object' && inner !== null && 'error_code' in inner) {
      const p = inner as { error_code: string; error_message?: string; status?: number };
      return new ProtocolError(p.error_code, p.error_message ?? p.error_code, p.status);
    }
    // Nest's RPC guard consumer throws `new RpcException('Forbidden resource')` when a guard
    // returns false: that is a refusal (403), not a server fault.
    if (inner === FORBIDDEN_MESSAGE) return new ProtocolError('FORBIDDEN', 'you are not allowed to use this command');
    if (typeof inner === 'string') return new ProtocolError('INTERNAL_ERROR', 'internal error', 500);
  }
  if (isHttpLike(err)) {
    const status = err.getStatus();
    if (status === 403) {
      return new ProtocolError('FORBIDDEN', 'you are not allowed to use this command');
    }
    const code = STATUS_TO_CODE[status];
    if (code && status < 500) return new ProtocolError(code, err.message, status);
    return new ProtocolError('INTERNAL_ERROR', 'internal error', status >= 500 ? status : 500);
  }
  if (typeof err === 'object' && err !== null && 'error_code' in err && 'status' in err) {
    const p = err as { error_code: string; error_message?: string; status: number };
    if (p.error_code in ErrorCodes || typeof p.status === 'number') {
      return new ProtocolError(p.error_code, p.error_message ?? p.error_code, p.status);
    }
  }
  return new ProtocolError('INTERNAL_ERROR', 'internal error; the request may be retried', 500);
}

/** 503 for a dependency outage: the request did not take effect (or is idempotent); retry later. */
export function unavailable(dependency: 'database' | 'redis'): ProtocolError {
  const retryAfterMs = jitteredRetryAfter();
  return new ProtocolError('UNAVAILABLE', `the ${dependency} is temporarily unavailable; retry after retry_after_ms (${retryAfterMs} ms)`, 503, {
    retry_after_ms: retryAfterMs,
  });
}
