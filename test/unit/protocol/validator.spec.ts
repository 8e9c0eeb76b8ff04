import {
  checkVersion,
  compareVersions,
  PROTOCOL_VERSION,
  readableId,
  SUPPORTED_VERSIONS,
  validateEnvelope,
} from '../../../src/shared/protocol';
import { failure } from '../../support/protocol-error';


describe('validateEnvelope', () => {
  it('fills the defaults: type request, payload {}', () => {
    const env = validateEnvelope({ id: '1', command: 'control/ping' });
    expect(env.type).toBe('request');
    expect(env.payload).toEqual({});
    expect(validateEnvelope({ id: '1', command: 'control/ping', payload: null }).payload).toEqual({});
  });

  it('returns the same object (no copy on the per-frame path)', () => {
    const frame = { id: '1', command: 'a/b', type: 'event', payload: { x: 1 } };
    expect(validateEnvelope(frame)).toBe(frame);
  });

  it.each([
    [[], 'frame must be a JSON object'],
    [null, 'frame must be a JSON object'],
    [{ command: 'a/b' }, '"id" must be a non-empty string'],
    [{ id: 'x'.repeat(129), command: 'a/b' }, 'at most 128 characters'],
    [{ id: '1' }, '"command" must be a non-empty string like "auth/login"'],
    [{ id: '1', command: 'a/b', type: 'push' }, '"type" must be one of request, response, event'],
    [{ id: '1', command: 'a/b', headers: [] }, '"headers" must be an object'],
    [{ id: '1', command: 'a/b', payload: 'x' }, '"payload" must be an object'],
    [{ id: '1', command: 'a/b', timestamp: 'now' }, '"timestamp" must be a number'],
  ])('refuses %j with INVALID_ENVELOPE naming the field', (frame, message) => {
    const err = failure(() => validateEnvelope(frame));
    expect(err.code).toBe('INVALID_ENVELOPE');
    expect(err.status).toBe(400);
    expect(err.message).toContain(message);
  });

  it('readableId echoes a usable id only', () => {
    expect(readableId({ id: 'abc', command: 5 })).toBe('abc');
    expect(readableId({ id: 5 })).toBeUndefined();
    expect(readableId({ id: 'x'.repeat(129) })).toBeUndefined();
    expect(readableId('abc')).toBeUndefined();
  });
});

describe('checkVersion', () => {
  it('treats an absent version as the current one', () => {
    expect(checkVersion(undefined)).toBe(PROTOCOL_VERSION);
    expect(checkVersion({})).toBe('1.0');
  });

  it('accepts a supported version', () => {
    expect(checkVersion({ version: '1.0' })).toBe('1.0');
    expect(checkVersion({ version: '2.0' }, ['1.0', '2.0'])).toBe('2.0');
  });

  it('answers 426 UNSUPPORTED_VERSION with the supported list and an upgrade hint', () => {
    const err = failure(() => checkVersion({ version: '9.9' }));
    expect(err.status).toBe(426);
    expect(err.code).toBe('UNSUPPORTED_VERSION');
    expect(err.message).toContain(SUPPORTED_VERSIONS.join(', '));
    expect(err.toPayload().upgrade).toMatch(/headers\.version "1\.0"/);
    expect(failure(() => checkVersion({ version: 1 as unknown as string })).status).toBe(426);
  });
});

describe('compareVersions', () => {
  it('compares numerically, component by component', () => {
    expect(compareVersions('1.10', '1.9')).toBeGreaterThan(0);
    expect(compareVersions('1.0', '1')).toBe(0);
    expect(compareVersions('1.0', '2.0')).toBeLessThan(0);
  });
});
