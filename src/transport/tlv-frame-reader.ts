/**
 * Reading one side-channel connection (tlv-channel.ts): TLV decoding with the payload bound,
 * frames handed to the module's onFrame one at a time in order, read-ahead of READ_AHEAD_FRAMES
 * frames while the handler works (then the socket is paused: a slow disk slows the sender down
 * instead of filling memory), the idle timeout before the first frame and the stalled-frame
 * timeout. Memory per connection: (READ_AHEAD_FRAMES + 1) × maxPayloadBytes plus one socket read.
 */
import type { Logger } from '@nestjs/common';
import type { FrameSocket } from './connection';
import { TLV_HEADER_BYTES, TlvDecoder, TlvFrame } from '../shared/protocol';
import type { ChannelConnection, ChannelRefusal } from './tlv-channel-connection';
import type { SwitchboardServerOptions } from './transport-options';
import type { UnauthenticatedBytes } from './unauthenticated-bytes';

/** Frames (of the largest size) a connection may hold decoded while its handler is busy. */
const READ_AHEAD_FRAMES = 4;

export interface FrameReaderDeps {
  /** Channel name, for logs. */
  name: string;
  options: {
    maxPayloadBytes: number;
    onFrame(conn: ChannelConnection, frame: TlvFrame): void | Promise<void>;
  };
  config: Pick<SwitchboardServerOptions, 'idleTimeoutMs' | 'frameTimeoutMs'>;
  logger: Logger;
  /** Tell the peer why and end the connection (the channel's refuse). */
  refuse(refusal: ChannelRefusal): void;
  /**
   * The per-address bound on partial frames before authentication. A channel connection counts
   * as not authenticated until its first frame (the module's handshake, e.g. the file channel's
   * OPEN with its transfer token; a connection whose first frame is refused is closed).
   */
  unauthenticated: UnauthenticatedBytes;
}

/** Starts reading frames from `socket` for `conn`; stop() on close clears the timers and the queue. */
export function readFrames(conn: ChannelConnection, socket: FrameSocket, deps: FrameReaderDeps): { stop(): void } {
  const { name, options, config, logger, refuse, unauthenticated } = deps;
  const decoder = new TlvDecoder({ maxPayloadBytes: options.maxPayloadBytes });
  // Frames decoded ahead while the handler works on an earlier one: reading overlaps the
  // handler's I/O (disk writes) but stops above READ_AHEAD_FRAMES frames' worth of bytes.
  const queue: TlvFrame[] = [];
  const readAheadBytes = READ_AHEAD_FRAMES * (options.maxPayloadBytes + TLV_HEADER_BYTES);
  let queuedBytes = 0;
  let busy = false;
  let paused = false;
  const resumeIfDrained = () => {
    if (paused && queuedBytes <= readAheadBytes / 2 && !conn.closed && !conn.ending) {
      paused = false;
      socket.resume();
    }
  };
  let stallTimer: NodeJS.Timeout | undefined;
  const idleTimer = setTimeout(() => {
    if (conn.framesIn === 0) {
      refuse({ status: 408, error_code: 'IDLE_TIMEOUT', error_message: `no frame within ${config.idleTimeoutMs} ms of connecting` });
    }
  }, config.idleTimeoutMs);
  idleTimer.unref();

  const fail = (err: unknown) => {
    logger.error(`${name} channel handler failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    refuse({ status: 500, error_code: 'INTERNAL_ERROR', error_message: 'internal error; retry the transfer' });
  };
  const pump = () => {
    while (!busy && queue.length > 0 && !conn.ending && !conn.closed) {
      const frame = queue.shift()!;
      queuedBytes -= frame.length;
      let result: void | Promise<void>;
      try {
        result = options.onFrame(conn, frame);
      } catch (err) {
        return fail(err);
      }
      if (result && typeof (result as Promise<void>).then === 'function') {
        busy = true;
        (result as Promise<void>).then(
          () => {
            busy = false;
            pump();
            resumeIfDrained();
          },
          (err: unknown) => {
            busy = false;
            fail(err);
          },
        );
      }
    }
  };
  const onStalled = () => {
    stallTimer = undefined;
    // While we hold reading paused the peer cannot finish its frame: not its fault.
    if (paused) {
      stallTimer = setTimeout(onStalled, config.frameTimeoutMs).unref();
      return;
    }
    if (decoder.pendingBytes > 0) {
      refuse({
        status: 400,
        error_code: 'FRAME_TIMEOUT',
        error_message: `partial frame of ${decoder.pendingBytes} bytes not completed within ${config.frameTimeoutMs} ms`,
      });
    }
  };
  socket.on('data', (chunk: Buffer) => {
    if (conn.ending || conn.closed) return;
    const framesBefore = conn.framesIn;
    decoder.push(chunk, (decoded) => {
      if (decoded.kind === 'oversize') {
        refuse({
          status: 413,
          error_code: 'FRAME_TOO_LARGE',
          error_message: `frame length ${decoded.length} exceeds the limit of ${decoded.limit} bytes`,
        });
        return;
      }
      conn.framesIn++;
      queue.push(decoded.frame);
      queuedBytes += decoded.frame.length;
    });
    if (!unauthenticated.set(conn, conn.remoteAddress, conn.framesIn === 0 ? decoder.pendingBytes : 0)) {
      unauthenticated.release(conn);
      refuse({
        status: 429,
        error_code: 'RATE_LIMITED',
        error_message: `your address holds more than ${unauthenticated.limit} bytes of unfinished frames on connections that have not opened a transfer (MAX_UNAUTHENTICATED_BYTES_PER_IP); send whole frames`,
        retry_after_ms: config.frameTimeoutMs,
      });
      return;
    }
    if (decoder.pendingBytes === 0) {
      if (stallTimer) clearTimeout(stallTimer);
      stallTimer = undefined;
    } else if (!stallTimer || conn.framesIn !== framesBefore) {
      if (stallTimer) clearTimeout(stallTimer);
      stallTimer = setTimeout(onStalled, config.frameTimeoutMs).unref();
    }
    pump();
    if (!paused && queuedBytes > readAheadBytes) {
      paused = true;
      socket.pause();
    }
  });
  return {
    stop: () => {
      unauthenticated.release(conn);
      clearTimeout(idleTimer);
      if (stallTimer) clearTimeout(stallTimer);
      queue.length = 0;
    },
  };
}
