import { ProtocolError } from '../../src/shared/protocol';

/** Runs `fn` and returns the ProtocolError it throws; fails the test if it throws nothing else. */
export function failure(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProtocolError) return err;
    throw err;
  }
  throw new Error('expected a ProtocolError');
}
