import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
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

describe('error-code catalogue', () => {
  // Clients switch on error codes, so every code the server can send must be in the catalogue
  // (and therefore in docs/protocol.md). Scans the sources for codes used in throws and frames.
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
    });
  const USE = /(?:ProtocolError\(\s*|error_code:\s*|closeWithError\(\s*)['"]([A-Z][A-Z0-9_]+)['"]/g;

  it('contains every code thrown or sent anywhere in src/', () => {
    const missing: string[] = [];
    for (const file of walk(resolve(__dirname, '../../../src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(USE)) {
        if (!(m[1] in ErrorCodes)) missing.push(`${m[1]} (${file.slice(file.indexOf('src/'))})`);
      }
    }
    expect(missing).toEqual([]);
  });
});
