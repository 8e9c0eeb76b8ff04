/**
 * Issue #18.9: a frame trickled one byte per read cost ~180 bytes of memory per byte (each read
 * kept as its own Buffer). Both decoders must hold a partial frame in memory proportional to its
 * bytes. Measured two ways: the decoder's own account (retainedBytes, at most about twice the
 * bytes), and the process's heap + ArrayBuffer memory after a forced GC, with a generous margin
 * (8 bytes per byte; before the fix it was well over 100).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { encodeTlvHeader, LineFrameDecoder, TlvDecoder, TlvType } from '../../../src/shared/protocol';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function used(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** One read of one byte in its own memory, as a socket read is. */
function read(byte: number): Buffer {
  const b = Buffer.allocUnsafeSlow(1);
  b[0] = byte;
  return b;
}

const BYTES = 200_000;
const PER_BYTE_MAX = 8;

describe('#18.9 trickled bytes: memory per partial frame proportional to its bytes', () => {
  it('newline-JSON decoder', () => {
    const decoder = new LineFrameDecoder({ maxFrameBytes: 1024 * 1024 });
    const frames: unknown[] = [];
    const before = used();
    decoder.push(read(0x7b), (f) => frames.push(f)); // "{"
    for (let i = 1; i < BYTES; i++) decoder.push(read(0x20), (f) => frames.push(f));
    const grown = used() - before;
    expect(frames).toEqual([]);
    expect(decoder.pendingBytes).toBe(BYTES);
    expect(decoder.retainedBytes).toBeLessThanOrEqual(2 * BYTES + 64 * 1024);
    expect(grown / BYTES).toBeLessThan(PER_BYTE_MAX);
    // And it still decodes the frame once it ends.
    decoder.push(Buffer.from('}\n'), (f) => frames.push(f));
    expect(frames).toEqual([expect.objectContaining({ kind: 'frame', value: {} })]);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('TLV decoder', () => {
    const decoder = new TlvDecoder({ maxPayloadBytes: 1024 * 1024 });
    const frames: unknown[] = [];
    const before = used();
    for (const b of encodeTlvHeader(TlvType.DATA, BYTES)) decoder.push(read(b), (f) => frames.push(f));
    for (let i = 0; i < BYTES - 1; i++) decoder.push(read(i & 0xff), (f) => frames.push(f));
    const grown = used() - before;
    expect(frames).toEqual([]);
    expect(decoder.pendingBytes).toBe(BYTES + 4);
    expect(decoder.retainedBytes).toBeLessThanOrEqual(2 * BYTES + 64 * 1024);
    expect(grown / BYTES).toBeLessThan(PER_BYTE_MAX);
    decoder.push(read((BYTES - 1) & 0xff), (f) => frames.push(f));
    expect(frames).toHaveLength(1);
    const frame = (frames[0] as { frame: { payload: Buffer; parts: readonly Buffer[] } }).frame;
    expect(frame.payload.length).toBe(BYTES);
    expect(frame.payload[BYTES - 1]).toBe((BYTES - 1) & 0xff);
    expect(frame.parts.length).toBeLessThanOrEqual(16);
  });
});
