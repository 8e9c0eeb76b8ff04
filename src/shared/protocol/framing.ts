/**
 * Framing for both channels:
 * - the control channel: UTF-8 JSON, one frame per line (`\n`, `\r\n` tolerated);
 * - the file channel: TLV frames (type: 1 byte, length: 4 bytes little-endian, payload).
 *
 * Both decoders are streaming, linear in their input and bounded in memory: bytes of an
 * unfinished frame are kept in a ChunkList (views of large reads, small ones copied into growing
 * blocks: no quadratic concatenation, and memory proportional to the bytes however they were
 * split) and a frame larger than the limit is refused before it is buffered.
 */
import { ChunkList } from './chunk-list';

export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;
const LF = 0x0a;
const CR = 0x0d;

export type DecodedFrame =
  | { kind: 'frame'; value: unknown; bytes: number }
  | { kind: 'invalid'; reason: string; text: string; bytes: number }
  | { kind: 'oversize'; bytes: number; limit: number };

export interface LineDecoderOptions {
  maxFrameBytes?: number;
}

/**
 * Streaming newline-JSON decoder. Feed it socket chunks with `push`; it calls `onFrame` once per
 * complete line (blank lines skipped). After an oversize frame it stops decoding for good: the
 * stream cannot be resynchronised safely, so the caller is expected to close the connection.
 */
export class LineFrameDecoder {
  readonly maxFrameBytes: number;
  private readonly partial = new ChunkList();
  private failed = false;
  /** After a stalled frame was dropped: discard bytes up to the next newline to resynchronise. */
  private skipping = false;

  constructor(options: LineDecoderOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Bytes of a frame started but not yet terminated (for stalled-frame timeouts). */
  get pendingBytes(): number {
    return this.partial.length;
  }

  /** Memory held for them (the #18.9 bound: proportional to pendingBytes). */
  get retainedBytes(): number {
    return this.partial.retainedBytes;
  }

  get isFailed(): boolean {
    return this.failed;
  }

  push(chunk: Buffer, onFrame: (frame: DecodedFrame) => void): void {
    if (this.failed) return;
    let start = 0;
    const length = chunk.length;
    if (this.skipping) {
      const nl = chunk.indexOf(LF);
      if (nl === -1) return;
      this.skipping = false;
      start = nl + 1;
    }
    // Once per chunk at most: after it declined (lines spanning more than the limit), the
    // per-line loop takes the rest without searching the chunk's last LF again for every line.
    let whole = true;
    while (start < length) {
      if (whole && this.partial.length === 0) {
        const next = this.pushCompleteLines(chunk, start, onFrame);
        if (this.failed || next === length) return;
        if (next === start) whole = false;
        start = next;
      }
      const nl = chunk.indexOf(LF, start);
      if (nl === -1) {
        const rest = length - start;
        if (this.partial.length + rest > this.maxFrameBytes) {
          this.fail(this.partial.length + rest, onFrame);
          return;
        }
        this.partial.push(start === 0 ? chunk : chunk.subarray(start));
        return;
      }
      const size = this.partial.length + (nl - start);
      if (size > this.maxFrameBytes) {
        this.fail(size, onFrame);
        return;
      }
      let line: Buffer;
      if (this.partial.length === 0) {
        line = chunk.subarray(start, nl);
      } else {
        line = this.partial.drain(chunk.subarray(start, nl));
      }
      start = nl + 1;
      this.emitLine(line, onFrame);
      if (this.failed) return;
    }
  }

  /**
   * Drops a partial frame (used by the stalled-frame timeout) and discards the rest of that line
   * when it arrives, so the stream resynchronises at the next newline. Returns the bytes dropped.
   */
  discardPartial(): number {
    const dropped = this.partial.length;
    this.partial.clear();
    if (dropped > 0) this.skipping = true;
    return dropped;
  }

  /**
   * The complete lines of a chunk that does not continue a frame (the usual case: a read of
   * pipelined frames), decoded as ONE string and split on it, instead of a Buffer view and a
   * decode per line: that per-line work was most of the decoder's own cost. The same strings: a
   * LF byte is never part of a UTF-8 sequence and always decodes to "\n" (a sequence cut short
   * by it is replaced exactly as at the end of a line decoded alone), so each line decodes to the
   * same text either way. Returns where the unfinished rest starts; when the complete lines span
   * more than the frame limit it returns `start`, and the per-line loop applies the limit.
   */
  private pushCompleteLines(chunk: Buffer, start: number, onFrame: (frame: DecodedFrame) => void): number {
    const last = chunk.lastIndexOf(LF);
    if (last < start || last - start > this.maxFrameBytes) return start;
    const text = chunk.toString('utf8', start, last);
    // Every byte became one UTF-16 unit (ASCII): string offsets are byte offsets. Otherwise the
    // byte size of each line comes from the LF bytes, which match the "\n"s one for one.
    const oneBytePerUnit = text.length === last - start;
    let from = 0;
    let byteFrom = start;
    for (;;) {
      let nl = text.indexOf('\n', from);
      if (nl === -1) nl = text.length;
      const lastLine = nl === text.length;
      const byteNl = lastLine ? last : oneBytePerUnit ? start + nl : chunk.indexOf(LF, byteFrom);
      const end = nl > from && text.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
      if (end > from) this.emitText(text.slice(from, end), byteNl - byteFrom + 1, onFrame);
      if (this.failed || lastLine) break;
      from = nl + 1;
      byteFrom = byteNl + 1;
    }
    return last + 1;
  }

  private emitLine(line: Buffer, onFrame: (frame: DecodedFrame) => void): void {
    let end = line.length;
    if (end > 0 && line[end - 1] === CR) end--;
    if (end === 0) return;
    // UTF-8 is decoded only once the whole line is here, so a multi-byte character split across
    // chunks is reassembled byte-exactly before decoding.
    this.emitText(line.toString('utf8', 0, end), line.length + 1, onFrame);
  }

  /** One non-empty line (without its line end) of `bytes` bytes including the line end. */
  private emitText(text: string, bytes: number, onFrame: (frame: DecodedFrame) => void): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      if (text.trim() === '') return;
      onFrame({ kind: 'invalid', reason: (err as Error).message, text, bytes });
      return;
    }
    onFrame({ kind: 'frame', value, bytes });
  }

  private fail(bytes: number, onFrame: (frame: DecodedFrame) => void): void {
    this.failed = true;
    this.partial.clear();
    onFrame({ kind: 'oversize', bytes, limit: this.maxFrameBytes });
  }
}

/** Serializes one frame. The single `JSON.stringify` per outgoing frame. */
export function encodeFrame(frame: unknown): string {
  return JSON.stringify(frame) + '\n';
}

/** Printable ASCII without `"` and `\\`: JSON.stringify would only add the quotes. */
const PLAIN_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function quote(value: string): string {
  return PLAIN_STRING.test(value) ? `"${value}"` : JSON.stringify(value);
}

/** The headers of almost every server frame, `{version}`, without a JSON.stringify call. */
function headersJson(headers: unknown): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const keys = Object.keys(headers);
  const version = (headers as { version?: unknown }).version;
  if (keys.length === 1 && keys[0] === 'version' && typeof version === 'string') return `{"version":${quote(version)}}`;
  return JSON.stringify(headers);
}

const ENVELOPE_KEYS = ['id', 'type', 'timestamp', 'command', 'headers', 'payload'];

/**
 * encodeFrame(frame) with `frame.payload` already serialized as `payloadJson` (the same payload
 * going to many connections: the payload is serialized once per message instead of once per
 * recipient, and the envelope around it is assembled from its few fields — together the largest
 * cost of a group fan-out). The same string, byte for byte: an envelope as buildEnvelope makes it
 * is assembled field by field; any other shape with `payload` last is serialized without its
 * payload and completed; anything else is serialized whole.
 */
export function encodeFrameWithPayload(frame: { payload: unknown }, payloadJson: string): string {
  const keys = Object.keys(frame);
  if (keys[keys.length - 1] !== 'payload') return encodeFrame(frame);
  const f = frame as unknown as Record<string, unknown>;
  if (
    keys.length === ENVELOPE_KEYS.length &&
    keys.every((key, i) => key === ENVELOPE_KEYS[i]) &&
    typeof f.id === 'string' &&
    typeof f.type === 'string' &&
    typeof f.command === 'string' &&
    Number.isSafeInteger(f.timestamp)
  ) {
    const headers = headersJson(f.headers);
    if (headers !== undefined) {
      return `{"id":${quote(f.id)},"type":${quote(f.type)},"timestamp":${f.timestamp as number},"command":${quote(f.command)},"headers":${headers},"payload":${payloadJson}}\n`;
    }
  }
  const head = JSON.stringify({ ...frame, payload: undefined });
  return (head.length > 2 ? head.slice(0, -1) + ',"payload":' : '{"payload":') + payloadJson + '}\n';
}

// ---------------------------------------------------------------------------------------------
// TLV codec for the binary file channel (draft §2.4).

export const TlvType = {
  DATA: 0x01,
  ACK: 0x02,
  // Reserved for the file-transfer channel: open/resume handshake, cancel and error notices.
  OPEN: 0x03,
  CANCEL: 0x04,
  ERROR: 0x05,
} as const;
export type TlvTypeCode = (typeof TlvType)[keyof typeof TlvType];

export const TLV_HEADER_BYTES = 5;

/**
 * One decoded TLV frame. Its payload stays as the views of the socket reads it arrived in
 * (`parts`: no copy, e.g. to hash or write a 256 KiB data block read in 64 KiB pieces);
 * `payload` joins them into one Buffer on first use.
 */
export class TlvFrame {
  private joined?: Buffer;

  constructor(
    readonly type: number,
    readonly parts: readonly Buffer[],
    /** Payload length in bytes (without joining the parts). */
    readonly length: number,
  ) {}

  get payload(): Buffer {
    this.joined ??= this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.length);
    return this.joined;
  }
}

/** The 5-byte header of a frame: written before the payload, so a large payload is never copied. */
export function encodeTlvHeader(type: number, length: number): Buffer {
  if (!Number.isInteger(type) || type < 0 || type > 0xff) {
    throw new RangeError(`TLV type must be a byte, got ${type}`);
  }
  const header = Buffer.allocUnsafe(TLV_HEADER_BYTES);
  header.writeUInt8(type, 0);
  header.writeUInt32LE(length, 1);
  return header;
}

export function encodeTlv(type: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const header = encodeTlvHeader(type, body.length);
  return Buffer.concat([header, body], TLV_HEADER_BYTES + body.length);
}

/** A frame spanning more socket reads than this is joined into one Buffer by the decoder. */
const MAX_PARTS = 16;

export type DecodedTlv = { kind: 'frame'; frame: TlvFrame } | { kind: 'oversize'; length: number; limit: number };

/** Streaming TLV decoder with a payload-size bound checked from the header, before buffering. */
export class TlvDecoder {
  readonly maxPayloadBytes: number;
  private readonly buffered = new ChunkList();
  private failed = false;

  constructor(options: { maxPayloadBytes?: number } = {}) {
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  get pendingBytes(): number {
    return this.buffered.length;
  }

  /** Memory held for them (the #18.9 bound: proportional to pendingBytes). */
  get retainedBytes(): number {
    return this.buffered.retainedBytes;
  }

  push(chunk: Buffer, onFrame: (decoded: DecodedTlv) => void): void {
    if (this.failed || chunk.length === 0) return;
    this.buffered.push(chunk);
    while (!this.failed && this.buffered.length >= TLV_HEADER_BYTES) {
      const header = this.buffered.first(TLV_HEADER_BYTES);
      const type = header[0];
      const length = header.readUInt32LE(1);
      if (length > this.maxPayloadBytes) {
        this.failed = true;
        this.buffered.clear();
        onFrame({ kind: 'oversize', length, limit: this.maxPayloadBytes });
        return;
      }
      const total = TLV_HEADER_BYTES + length;
      if (this.buffered.length < total) return;
      this.buffered.take(TLV_HEADER_BYTES);
      // A frame spread over many reads (a peer trickling tiny segments) is joined: consumers get few parts.
      const parts = this.buffered.take(length);
      onFrame({ kind: 'frame', frame: new TlvFrame(type, parts.length > MAX_PARTS ? [Buffer.concat(parts, length)] : parts, length) });
    }
  }
}
