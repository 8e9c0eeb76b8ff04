import fc from 'fast-check';
import {
  DecodedFrame,
  DEFAULT_MAX_FRAME_BYTES,
  encodeFrame,
  encodeFrameWithPayload,
  LineFrameDecoder,
} from '../../../src/shared/protocol/framing';
import { buildEnvelope, newFrameId } from '../../../src/shared/protocol/envelope';

/** Feeds chunks and collects everything the decoder emits. */
function decode(chunks: Buffer[], maxFrameBytes?: number): { out: DecodedFrame[]; decoder: LineFrameDecoder } {
  const decoder = new LineFrameDecoder({ maxFrameBytes });
  const out: DecodedFrame[] = [];
  for (const chunk of chunks) decoder.push(chunk, (f) => out.push(f));
  return { out, decoder };
}

const values = (out: DecodedFrame[]) =>
  out.map((f) => {
    if (f.kind !== 'frame') throw new Error(`unexpected ${f.kind}: ${JSON.stringify(f)}`);
    return f.value;
  });

/** Splits a buffer at the given (unsorted, possibly duplicate) offsets. */
function splitAt(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const p of points) {
    chunks.push(buf.subarray(start, p));
    start = p;
  }
  chunks.push(buf.subarray(start));
  return chunks;
}

const unicodeFrame = {
  id: 'msg-58123',
  type: 'request',
  command: 'message/send',
  payload: { content: { type: 'text', text: '你好，世界 👋🏽 naïve — 🇨🇳' } },
};

describe('LineFrameDecoder', () => {
  it('decodes a frame split at every byte offset (multi-byte UTF-8 included)', () => {
    const bytes = Buffer.from(encodeFrame(unicodeFrame));
    // Sanity: the frame really contains multi-byte characters, so some offsets fall inside one.
    expect(bytes.length).toBeGreaterThan(encodeFrame(unicodeFrame).length);
    for (let i = 0; i <= bytes.length; i++) {
      const { out, decoder } = decode([bytes.subarray(0, i), bytes.subarray(i)]);
      expect(values(out)).toEqual([unicodeFrame]);
      expect(decoder.pendingBytes).toBe(0);
    }
  });

  it('decodes a frame fed one byte at a time, reassembling split code points byte-exactly', () => {
    const bytes = Buffer.from(encodeFrame(unicodeFrame));
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    expect(values(decode(chunks).out)).toEqual([unicodeFrame]);
  });

  it('decodes a 4-byte emoji split inside the code point across two chunks', () => {
    const text = '{"id":"1","command":"x/y","payload":{"e":"😀"}}\n';
    const bytes = Buffer.from(text);
    const emojiAt = bytes.indexOf(Buffer.from('😀'));
    for (let k = 1; k < 4; k++) {
      const { out } = decode([bytes.subarray(0, emojiAt + k), bytes.subarray(emojiAt + k)]);
      expect(values(out)).toEqual([{ id: '1', command: 'x/y', payload: { e: '😀' } }]);
    }
  });

  it('decodes 1,000 frames arriving in one chunk, in order', () => {
    const frames = Array.from({ length: 1000 }, (_, i) => ({ id: String(i), command: 'control/ping', payload: {} }));
    const chunk = Buffer.from(frames.map(encodeFrame).join(''));
    const { out, decoder } = decode([chunk]);
    expect(values(out)).toEqual(frames);
    expect(out.every((f) => f.bytes > 0)).toBe(true);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('accepts \\r\\n line endings, also when the \\r and \\n arrive in different chunks', () => {
    const a = { id: 'a', command: 'control/ping' };
    const b = { id: 'b', command: 'control/ping' };
    const text = `${JSON.stringify(a)}\r\n${JSON.stringify(b)}\r\n`;
    expect(values(decode([Buffer.from(text)]).out)).toEqual([a, b]);
    const crAt = text.indexOf('\r') + 1;
    expect(values(decode([Buffer.from(text.slice(0, crAt)), Buffer.from(text.slice(crAt))]).out)).toEqual([a, b]);
  });

  it('skips blank and whitespace-only lines', () => {
    const a = { id: 'a', command: 'control/ping' };
    const { out } = decode([Buffer.from(`\n\r\n   \n\t\r\n${JSON.stringify(a)}\n\n`)]);
    expect(values(out)).toEqual([a]);
  });

  it('reports the byte size of each frame including its terminator', () => {
    const line = JSON.stringify({ id: 'a', command: 'c/d' });
    const { out } = decode([Buffer.from(`${line}\r\n${line}\n`)]);
    expect(out.map((f) => f.bytes)).toEqual([line.length + 2, line.length + 1]);
  });

  describe('garbage', () => {
    it('reports invalid JSON with the parser reason and keeps decoding the next lines', () => {
      const { out, decoder } = decode([Buffer.from('{"id": "1", oops}\nnot json at all\n{"id":"2","command":"a/b"}\n')]);
      expect(out.map((f) => f.kind)).toEqual(['invalid', 'invalid', 'frame']);
      const first = out[0] as Extract<DecodedFrame, { kind: 'invalid' }>;
      expect(first.text).toBe('{"id": "1", oops}');
      expect(first.reason.length).toBeGreaterThan(0);
      expect((out[2] as Extract<DecodedFrame, { kind: 'frame' }>).value).toEqual({ id: '2', command: 'a/b' });
      expect(decoder.isFailed).toBe(false);
    });

    it('passes non-object JSON through as a frame (envelope validation rejects it later)', () => {
      expect(values(decode([Buffer.from('42\n"str"\nnull\n[1]\n')]).out)).toEqual([42, 'str', null, [1]]);
    });

    it('survives invalid UTF-8 and control bytes', () => {
      const { out } = decode([Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x0a, 0x80, 0x0a])]);
      expect(out.map((f) => f.kind)).toEqual(['invalid', 'invalid']);
    });
  });

  describe('maxFrameBytes', () => {
    const limit = 64;
    /** A JSON frame whose line (without the newline) is exactly `size` bytes long. */
    const lineOf = (size: number) => {
      const skeleton = JSON.stringify({ id: '1', command: 'a/b', pad: '' });
      return skeleton.replace('"pad":""', `"pad":"${'x'.repeat(size - skeleton.length)}"`);
    };

    it('defaults to 1 MiB', () => {
      expect(new LineFrameDecoder().maxFrameBytes).toBe(DEFAULT_MAX_FRAME_BYTES);
      expect(DEFAULT_MAX_FRAME_BYTES).toBe(1024 * 1024);
    });

    it('accepts a frame of exactly the limit, in one chunk or split', () => {
      const line = lineOf(limit);
      expect(Buffer.byteLength(line)).toBe(limit);
      expect(values(decode([Buffer.from(`${line}\n`)], limit).out)).toHaveLength(1);
      expect(values(decode([Buffer.from(line.slice(0, 10)), Buffer.from(`${line.slice(10)}\n`)], limit).out)).toHaveLength(1);
    });

    it('refuses limit + 1 bytes and stops decoding for good', () => {
      const line = lineOf(limit + 1);
      const { out, decoder } = decode([Buffer.from(`${line}\n{"id":"2","command":"a/b"}\n`)], limit);
      expect(out).toEqual([{ kind: 'oversize', bytes: limit + 1, limit }]);
      expect(decoder.isFailed).toBe(true);
      decoder.push(Buffer.from('{"id":"3","command":"a/b"}\n'), (f) => out.push(f));
      expect(out).toHaveLength(1);
    });

    it('never buffers more than the limit while waiting for the newline', () => {
      const decoder = new LineFrameDecoder({ maxFrameBytes: limit });
      const out: DecodedFrame[] = [];
      decoder.push(Buffer.alloc(limit - 1, 0x61), (f) => out.push(f));
      expect(decoder.pendingBytes).toBe(limit - 1);
      decoder.push(Buffer.alloc(1, 0x61), (f) => out.push(f));
      expect(decoder.pendingBytes).toBe(limit);
      expect(out).toEqual([]);
      decoder.push(Buffer.alloc(1, 0x61), (f) => out.push(f));
      expect(out).toEqual([{ kind: 'oversize', bytes: limit + 1, limit }]);
      expect(decoder.pendingBytes).toBe(0);
    });

    it('refuses a single huge chunk without buffering any of it', () => {
      const { out, decoder } = decode([Buffer.alloc(10 * limit, 0x61)], limit);
      expect(out).toEqual([{ kind: 'oversize', bytes: 10 * limit, limit }]);
      expect(decoder.pendingBytes).toBe(0);
    });
  });

  describe('discardPartial (stalled-frame timeout)', () => {
    it('drops the partial frame and resynchronises at the next newline', () => {
      const decoder = new LineFrameDecoder();
      const out: DecodedFrame[] = [];
      decoder.push(Buffer.from('{"id":"stalled","comm'), (f) => out.push(f));
      expect(decoder.pendingBytes).toBe(21);
      expect(decoder.discardPartial()).toBe(21);
      expect(decoder.pendingBytes).toBe(0);
      // The tail of the dropped line arrives late, in pieces: it must not be parsed as a frame.
      decoder.push(Buffer.from('and":"x/y"'), (f) => out.push(f));
      decoder.push(Buffer.from('}\n{"id":"next","command":"a/b"}\n'), (f) => out.push(f));
      expect(values(out)).toEqual([{ id: 'next', command: 'a/b' }]);
    });

    it('is a no-op without a partial frame, so the next line is not skipped', () => {
      const decoder = new LineFrameDecoder();
      const out: DecodedFrame[] = [];
      decoder.push(Buffer.from('{"id":"1","command":"a/b"}\n'), (f) => out.push(f));
      expect(decoder.discardPartial()).toBe(0);
      decoder.push(Buffer.from('{"id":"2","command":"a/b"}\n'), (f) => out.push(f));
      expect(values(out).map((v) => (v as { id: string }).id)).toEqual(['1', '2']);
    });
  });

  describe('properties', () => {
    const jsonObject = fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), {
      maxKeys: 6,
    });

    it('any chunking of any sequence of valid frames decodes to the same frames', () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(jsonObject, fc.boolean()), { minLength: 1, maxLength: 20 }),
          fc.array(fc.nat(), { maxLength: 30 }),
          (frames, cuts) => {
            const text = frames.map(([f, crlf]) => JSON.stringify(f) + (crlf ? '\r\n' : '\n')).join('');
            const { out, decoder } = decode(splitAt(Buffer.from(text), cuts));
            expect(values(out)).toEqual(frames.map(([f]) => JSON.parse(JSON.stringify(f))));
            expect(decoder.pendingBytes).toBe(0);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('any bytes in any chunking decode like each line decoded alone (UTF-8 replacement, \\r, sizes)', () => {
      // The reference: split the bytes at every LF and decode each line by itself. The decoder
      // decodes a chunk's complete lines as one string; invalid and multi-byte UTF-8 next to a
      // LF must come out the same, and every frame's byte size too.
      const reference = (bytes: Buffer): DecodedFrame[] => {
        const out: DecodedFrame[] = [];
        let start = 0;
        for (let nl = bytes.indexOf(0x0a); nl !== -1; start = nl + 1, nl = bytes.indexOf(0x0a, start)) {
          const end = nl > start && bytes[nl - 1] === 0x0d ? nl - 1 : nl;
          if (end === start) continue;
          const text = bytes.toString('utf8', start, end);
          try {
            out.push({ kind: 'frame', value: JSON.parse(text), bytes: nl - start + 1 });
          } catch (err) {
            if (text.trim() !== '') out.push({ kind: 'invalid', reason: (err as Error).message, text, bytes: nl - start + 1 });
          }
        }
        return out;
      };
      const piece = fc.oneof(
        fc.constantFrom('\n', '\r\n', '\r', ' ', '{}', '[1]', '"\u00e9"', '"\ud83d\ude00"', '"a\u20acb"', '\u00e9', '"\\u00e9"').map((t) => Buffer.from(t)),
        fc.uint8Array({ maxLength: 4 }).map((b) => Buffer.from(b)),
        fc.constantFrom(0x80, 0xc3, 0xe2, 0xf0, 0xff, 0x0a).map((b) => Buffer.from([b])),
      );
      fc.assert(
        fc.property(fc.array(piece, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 20 }), (pieces, cuts) => {
          const bytes = Buffer.concat(pieces);
          expect(decode(splitAt(bytes, cuts)).out).toEqual(reference(bytes));
        }),
        { numRuns: 1000 },
      );
    });

    it('random bytes never throw out of the decoder and never buffer beyond maxFrameBytes', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 256 }),
          fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 30 }),
          fc.array(fc.boolean(), { maxLength: 30 }),
          (limit, chunks, discards) => {
            const decoder = new LineFrameDecoder({ maxFrameBytes: limit });
            chunks.forEach((chunk, i) => {
              decoder.push(Buffer.from(chunk), (f) => {
                if (f.kind === 'oversize') expect(f.bytes).toBeGreaterThan(limit);
              });
              expect(decoder.pendingBytes).toBeLessThanOrEqual(limit);
              if (discards[i]) decoder.discardPartial();
            });
          },
        ),
        { numRuns: 500 },
      );
    });
  });
});

describe('encodeFrame', () => {
  it('emits one line of JSON terminated by a single newline', () => {
    const text = encodeFrame({ id: '1', payload: { text: 'a\nb' } });
    expect(text.endsWith('\n')).toBe(true);
    expect(text.indexOf('\n')).toBe(text.length - 1);
    expect(JSON.parse(text)).toEqual({ id: '1', payload: { text: 'a\nb' } });
  });
});

describe('encodeFrameWithPayload (a fan-out payload serialized once)', () => {
  it('is encodeFrame byte for byte for any payload and envelope', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('evt-1', 'a"b', 'a\\b', '\u2028', '\ud800'));
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue()),
        text,
        text,
        fc.oneof(fc.constant(undefined), fc.dictionary(fc.string(), fc.jsonValue()), text.map((version) => ({ version }))),
        fc.oneof(fc.integer(), fc.double(), fc.constant(undefined)),
        (payload, command, id, headers, timestamp) => {
          const frame = { ...buildEnvelope('event', command, payload, { id }), timestamp, headers } as Record<string, unknown>;
          const { payload: p, ...rest } = frame;
          const ordered = { ...rest, payload: p };
          expect(encodeFrameWithPayload(ordered as { payload: unknown }, JSON.stringify(payload))).toBe(encodeFrame(ordered));
          const built = buildEnvelope('event', command, payload, { id });
          expect(encodeFrameWithPayload(built, JSON.stringify(payload))).toBe(encodeFrame(built));
        },
      ),
    );
  });

  it('serializes the whole frame when payload is not its last key, or the frame is only a payload', () => {
    const payload = { a: 1 };
    const odd = { payload, id: 'x' };
    expect(encodeFrameWithPayload(odd, '{"stale":true}')).toBe(encodeFrame(odd));
    expect(encodeFrameWithPayload({ payload }, JSON.stringify(payload))).toBe(encodeFrame({ payload }));
  });
});

describe('newFrameId', () => {
  it('is unique within a burst and keeps the <prefix>-<time>-<part> shape', () => {
    const ids = Array.from({ length: 10_000 }, () => newFrameId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 50)) expect(id).toMatch(/^evt-[0-9a-z]+-[0-9a-z]+$/);
    expect(newFrameId('srv')).toMatch(/^srv-/);
  });
});
