import { ErrorCodes, ProtocolError, Status } from '../../../src/shared/protocol/errors';

describe('ProtocolError', () => {
  it.each(Object.entries(ErrorCodes))('%s defaults to status %i and is retryable only for 5xx/429', (code, status) => {
    const err = new ProtocolError(code, 'x');
    expect(err.status).toBe(status);
    expect(err.retryable).toBe(status >= 500 || status === 429);
  });

  it('retryable follows an explicit status', () => {
    expect(new ProtocolError('CUSTOM', 'x', 503).retryable).toBe(true);
    expect(new ProtocolError('CUSTOM', 'x', 429).retryable).toBe(true);
    expect(new ProtocolError('CUSTOM', 'x', 500).retryable).toBe(true);
    expect(new ProtocolError('CUSTOM', 'x', 499).retryable).toBe(false);
    expect(new ProtocolError('RATE_LIMITED', 'x').retryable).toBe(true);
    expect(new ProtocolError('VALIDATION_FAILED', 'x').retryable).toBe(false);
  });

  it('an unknown code without a status is a 500', () => {
    expect(new ProtocolError('SOMETHING_NEW', 'x').status).toBe(Status.INTERNAL);
  });

  it('toPayload has status, error_code, error_message and the details', () => {
    const err = new ProtocolError('RATE_LIMITED', 'slow down', undefined, { retry_after_ms: 250 });
    expect(err.toPayload()).toEqual({
      status: 429,
      error_code: 'RATE_LIMITED',
      error_message: 'slow down',
      retry_after_ms: 250,
    });
    expect(new ProtocolError('NOT_FOUND', 'gone').toPayload()).toEqual({
      status: 404,
      error_code: 'NOT_FOUND',
      error_message: 'gone',
    });
  });

  it('details cannot overwrite the status, code or message', () => {
    const err = new ProtocolError('FORBIDDEN', 'no', undefined, { status: 200, error_code: 'OK', error_message: 'fine' });
    expect(err.toPayload()).toMatchObject({ status: 403, error_code: 'FORBIDDEN', error_message: 'no' });
  });

  it('is an Error with a name, and ProtocolError.is narrows', () => {
    const err = new ProtocolError('INVALID_JSON', 'bad');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ProtocolError');
    expect(err.message).toBe('bad');
    expect(ProtocolError.is(err)).toBe(true);
    expect(ProtocolError.is(new Error('x'))).toBe(false);
  });

  it('every catalogue status is a documented status code', () => {
    const statuses = new Set<number>(Object.values(Status));
    for (const status of Object.values(ErrorCodes)) expect(statuses.has(status)).toBe(true);
  });
});
