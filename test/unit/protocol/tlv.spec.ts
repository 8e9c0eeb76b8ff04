import fc from 'fast-check';
import { DecodedTlv, encodeTlv, TLV_HEADER_BYTES, TlvDecoder, TlvType } from '../../../src/shared/protocol/framing';

function decodeAll(chunks: Buffer[], maxPayloadBytes?: number): { out: DecodedTlv[]; decoder: TlvDecoder } {
  const decoder = new TlvDecoder({ maxPayloadBytes });
  const out: DecodedTlv[] = [];
  for (const chunk of chunks) decoder.push(chunk, (d) => out.push(d));
  return { out, decoder };
}

/** Copies payloads out: decoded payloads are views that the caller must not assume survive. */
const frames = (out: DecodedTlv[]) =>
  out.map((d) => {
    if (d.kind !== 'frame') throw new Error(`unexpected ${JSON.stringify(d)}`);
    return { type: d.frame.type, payload: Buffer.from(d.frame.payload).toString('hex') };
  });

describe('TLV codec (file channel)', () => {
  it('encodes type (1 byte), length (4 bytes little-endian) and payload', () => {
    const frame = encodeTlv(TlvType.DATA, Buffer.from([0xaa, 0xbb, 0xcc]));
    expect([...frame]).toEqual([0x01, 0x03, 0x00, 0x00, 0x00, 0xaa, 0xbb, 0xcc]);
    const big = encodeTlv(TlvType.ACK, Buffer.alloc(0x010203));
    expect([...big.subarray(0, TLV_HEADER_BYTES)]).toEqual([0x02, 0x03, 0x02, 0x01, 0x00]);
  });

  it('round-trips a JSON ACK payload (draft §2.4)', () => {
    const ack = { transfer_id: 'tr-54879', offset: 1310720, status: 200 };
    const { out } = decodeAll([encodeTlv(TlvType.ACK, JSON.stringify(ack))]);
    expect(out).toHaveLength(1);
    const decoded = out[0] as Extract<DecodedTlv, { kind: 'frame' }>;
    expect(decoded.frame.type).toBe(TlvType.ACK);
    expect(JSON.parse(decoded.frame.payload.toString('utf8'))).toEqual(ack);
  });

  it('decodes empty payloads', () => {
    expect(frames(decodeAll([encodeTlv(TlvType.CANCEL, Buffer.alloc(0))]).out)).toEqual([{ type: 4, payload: '' }]);
  });

  it('refuses a type that is not a byte', () => {
    for (const type of [-1, 256, 1.5, Number.NaN]) {
      expect(() => encodeTlv(type, Buffer.alloc(0))).toThrow(RangeError);
    }
  });

  it('decodes two frames split at every byte offset', () => {
    const a = encodeTlv(TlvType.DATA, Buffer.from('hello, 世界'));
    const b = encodeTlv(TlvType.ACK, '{"offset":11}');
    const stream = Buffer.concat([a, b]);
    const expected = [
      { type: 1, payload: Buffer.from('hello, 世界').toString('hex') },
      { type: 2, payload: Buffer.from('{"offset":11}').toString('hex') },
    ];
    for (let i = 0; i <= stream.length; i++) {
      const { out, decoder } = decodeAll([stream.subarray(0, i), stream.subarray(i)]);
      expect(frames(out)).toEqual(expected);
      expect(decoder.pendingBytes).toBe(0);
    }
  });

  it('decodes a stream fed one byte at a time', () => {
    const stream = Buffer.concat([encodeTlv(1, 'abc'), encodeTlv(2, ''), encodeTlv(1, 'de')]);
    const { out } = decodeAll([...stream].map((b) => Buffer.from([b])));
    expect(frames(out).map((f) => f.type)).toEqual([1, 2, 1]);
  });

  it('hands a payload split across large reads over as views of those reads (no copy), joined on demand', () => {
    const payload = Buffer.alloc(4000);
    for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
    const stream = encodeTlv(TlvType.DATA, payload);
    // Each read in its own memory (Buffer.alloc never uses the shared pool), as socket reads are.
    const own = (b: Buffer) => {
      const copy = Buffer.alloc(b.length);
      b.copy(copy);
      return copy;
    };
    const reads = [own(stream.subarray(0, 1500)), own(stream.subarray(1500, 2800)), own(stream.subarray(2800))];
    const { out } = decodeAll(reads);
    const frame = (out[0] as Extract<DecodedTlv, { kind: 'frame' }>).frame;
    expect(frame.length).toBe(4000);
    expect(frame.parts.map((p) => p.length)).toEqual([1495, 1300, 1205]);
    // Views: the same memory as the reads.
    expect(frame.parts[1]).toBe(reads[1]);
    expect(frame.parts[2]).toBe(reads[2]);
    expect(frame.payload.equals(payload)).toBe(true);
  });

  it('copies small reads into one block instead of keeping a Buffer per read', () => {
    const payload = Buffer.from('0123456789abcdef');
    const stream = encodeTlv(TlvType.DATA, payload);
    const reads = [stream.subarray(0, 9), stream.subarray(9, 14), stream.subarray(14)].map((b) => Buffer.from(b));
    const { out } = decodeAll(reads);
    const frame = (out[0] as Extract<DecodedTlv, { kind: 'frame' }>).frame;
    expect(frame.parts).toHaveLength(1);
    expect(frame.parts[0].buffer).not.toBe(reads[1].buffer);
    expect(frame.payload.equals(payload)).toBe(true);
  });

  it('joins a payload trickled in many tiny reads into one part', () => {
    const payload = Buffer.alloc(100, 0x61);
    const { out } = decodeAll([...encodeTlv(TlvType.DATA, payload)].map((b) => Buffer.from([b])));
    const frame = (out[0] as Extract<DecodedTlv, { kind: 'frame' }>).frame;
    expect(frame.parts).toHaveLength(1);
    expect(frame.parts[0].equals(payload)).toBe(true);
  });

  it('accepts a payload of exactly the limit', () => {
    const { out } = decodeAll([encodeTlv(1, Buffer.alloc(16, 7))], 16);
    expect(out[0].kind).toBe('frame');
  });

  it('refuses an oversize frame from its header alone, before buffering the payload', () => {
    const header = encodeTlv(1, Buffer.alloc(17)).subarray(0, TLV_HEADER_BYTES);
    const decoder = new TlvDecoder({ maxPayloadBytes: 16 });
    const out: DecodedTlv[] = [];
    decoder.push(header, (d) => out.push(d));
    expect(out).toEqual([{ kind: 'oversize', length: 17, limit: 16 }]);
    expect(decoder.pendingBytes).toBe(0);
    // Failed for good: later bytes are ignored.
    decoder.push(encodeTlv(1, 'x'), (d) => out.push(d));
    expect(out).toHaveLength(1);
  });

  it('refuses a header announcing 4 GiB without allocating it', () => {
    const header = Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff]);
    const { out, decoder } = decodeAll([header]);
    expect(out).toEqual([{ kind: 'oversize', length: 0xffffffff, limit: 1024 * 1024 }]);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('property: any chunking of any frame sequence decodes to the same frames', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 64 })), { maxLength: 15 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (input, cuts) => {
          const stream = Buffer.concat(input.map(([t, p]) => encodeTlv(t, Buffer.from(p))));
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((x, y) => x - y);
          const chunks: Buffer[] = [];
          let start = 0;
          for (const p of points) {
            chunks.push(stream.subarray(start, p));
            start = p;
          }
          chunks.push(stream.subarray(start));
          const { out, decoder } = decodeAll(chunks);
          expect(frames(out)).toEqual(input.map(([t, p]) => ({ type: t, payload: Buffer.from(p).toString('hex') })));
          expect(decoder.pendingBytes).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: random bytes never throw and buffer at most one bounded frame', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 20 }), (chunks) => {
        const limit = 64;
        const decoder = new TlvDecoder({ maxPayloadBytes: limit });
        for (const chunk of chunks) {
          decoder.push(Buffer.from(chunk), () => undefined);
          // Any complete frame is emitted at once, so at most header + limit - 1 bytes wait.
          expect(decoder.pendingBytes).toBeLessThan(TLV_HEADER_BYTES + limit);
        }
      }),
      { numRuns: 300 },
    );
  });
});
