import fc from 'fast-check';
import { decodeListCursor, encodeListCursor } from '../../../src/modules/group/group-list-cursor';
import { ProtocolError } from '../../../src/shared/protocol';

function rejects(cursor: string): void {
  let error: unknown;
  try {
    decodeListCursor(cursor);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ProtocolError);
  expect((error as ProtocolError).toPayload()).toMatchObject({ status: 400, error_code: 'INVALID_CURSOR' });
}

describe('group/list cursor', () => {
  it('round-trips every position', () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.string({ minLength: 1, maxLength: 64 }), (activity, id) => {
        const cursor = encodeListCursor({ activity, id });
        expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(decodeListCursor(cursor)).toEqual({ activity, id });
      }),
    );
  });

  it('rejects anything it did not produce with 400 INVALID_CURSOR', () => {
    const doc = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    rejects('');
    rejects('not a cursor');
    rejects(Buffer.from('not json').toString('base64url'));
    rejects(doc(null));
    rejects(doc([1, 'g-1']));
    rejects(doc({ v: 2, k: 'gl', a: 1, i: 'g-1' }));
    rejects(doc({ v: 1, k: 'c', a: 1, i: 'g-1' })); // another kind of cursor
    rejects(doc({ v: 1, k: 'gl', a: -1, i: 'g-1' }));
    rejects(doc({ v: 1, k: 'gl', a: 1.5, i: 'g-1' }));
    rejects(doc({ v: 1, k: 'gl', a: '1', i: 'g-1' }));
    rejects(doc({ v: 1, k: 'gl', a: 1, i: '' }));
    rejects(doc({ v: 1, k: 'gl', a: 1, i: 'x'.repeat(65) }));
  });
});
