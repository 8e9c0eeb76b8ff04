/**
 * Connection's outgoing path against a scripted socket, for what is hard to pin down over a real
 * socket: slow-consumer drops, priority order, when reading pauses/resumes, and end() flushing
 * its queue before the FIN (regressions named per test).
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { Connection, ConnectionLimits } from '../../../src/transport/connection';
import type { Envelope } from '../../../src/shared/protocol';

/** The parts of net.Socket that Connection uses, with a scriptable write buffer. */
class ScriptedSocket extends EventEmitter {
  remoteAddress = '127.0.0.1';
  readonly highWaterMark = 16 * 1024;
  writableLength = 0;
  writableNeedDrain = false;
  paused = false;
  ended = false;
  destroyed = false;
  readonly written: string[] = [];
  writesAfterEnd = 0;

  write(data: string): boolean {
    if (this.ended) {
      this.writesAfterEnd++;
      return false;
    }
    this.written.push(data);
    this.writableLength += Buffer.byteLength(data);
    if (this.writableLength >= this.highWaterMark) this.writableNeedDrain = true;
    return !this.writableNeedDrain;
  }

  /** The peer read everything: the buffer empties and 'drain' fires if a write had returned false. */
  drain(): void {
    this.writableLength = 0;
    const needed = this.writableNeedDrain;
    this.writableNeedDrain = false;
    if (needed) this.emit('drain');
  }

  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  end(): void {
    this.ended = true;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

const limits: ConnectionLimits = { writeBufferHighBytes: 64 * 1024, slowConsumerBytes: 128 * 1024, drainTimeoutMs: 60_000 };
const tick = () => new Promise<void>((resolve) => process.nextTick(resolve));

function setup(overrides: Partial<ConnectionLimits> = {}) {
  const socket = new ScriptedSocket();
  const events: boolean[] = [];
  const conn = new Connection(socket as unknown as Socket, { ...limits, ...overrides }, 1024 * 1024, [], (_c, paused) => events.push(paused));
  return { socket, conn, events };
}

function event(command: string, payload: Record<string, unknown> = {}): Envelope {
  return { id: command, type: 'event', command, headers: { version: '1.0' }, payload };
}

const commandsOf = (socket: ScriptedSocket) =>
  socket.written.join('').split('\n').filter(Boolean).map((line) => (JSON.parse(line) as Envelope).command);

describe('Connection outgoing path', () => {
  afterEach(() => jest.useRealTimers());

  it('batches the frames of one tick into a single socket write', async () => {
    const { socket, conn } = setup();
    conn.send(event('a'));
    conn.send(event('b'));
    conn.send(event('c'));
    expect(socket.written).toHaveLength(0);
    await tick();
    expect(socket.written).toHaveLength(1);
    expect(commandsOf(socket)).toEqual(['a', 'b', 'c']);
  });

  it('drops droppable frames over SLOW_CONSUMER_BYTES and marks the connection lagging; others still queue', async () => {
    const { socket, conn } = setup();
    socket.writableLength = limits.slowConsumerBytes + 1;
    socket.writableNeedDrain = true;
    expect(conn.send(event('live'), { droppable: true })).toBe(false);
    expect(conn.lagging).toBe(true);
    expect(conn.droppedFrames).toBe(1);
    expect(conn.send(event('response'))).toBe(true);
    socket.drain();
    expect(commandsOf(socket)).toEqual(['response']);
    // Under the bound again, droppable frames flow (lagging stays set: the client has a gap).
    expect(conn.send(event('live-2'), { droppable: true })).toBe(true);
    expect(conn.lagging).toBe(true);
  });

  it('writes high-priority frames before queued normal ones, normal ones in order', async () => {
    const { socket, conn } = setup();
    socket.writableNeedDrain = true; // backed up: everything queues
    conn.send(event('n1'));
    conn.send(event('n2'));
    conn.send(event('h1'), { priority: 'high' });
    conn.send(event('n3'));
    conn.send(event('h2'), { priority: 'high' });
    expect(socket.written).toHaveLength(0);
    socket.drain();
    expect(commandsOf(socket)).toEqual(['h1', 'h2', 'n1', 'n2', 'n3']);
  });

  it('pauses reading above WRITE_BUFFER_HIGH_BYTES and resumes when the socket drains', async () => {
    const { socket, conn, events } = setup();
    socket.writableNeedDrain = true;
    socket.writableLength = 16 * 1024;
    conn.send(event('big', { blob: 'x'.repeat(limits.writeBufferHighBytes) }));
    expect(conn.isReadingPaused).toBe(true);
    expect(socket.paused).toBe(true);
    socket.drain(); // flushes our queue into the socket...
    socket.drain(); // ...and the peer reads that too
    expect(conn.isReadingPaused).toBe(false);
    expect(socket.paused).toBe(false);
    expect(events).toEqual([true, false]);
  });

  // Regression: with WRITE_BUFFER_HIGH_BYTES below the socket's highWaterMark, reading used to
  // pause while the socket's write() still returned true: no 'drain' ever came, so the
  // connection stayed paused until DRAIN_TIMEOUT_MS destroyed it although the client read fine.
  it('does not pause when no drain event is guaranteed (high mark below the socket highWaterMark)', async () => {
    const { socket, conn } = setup({ writeBufferHighBytes: 1024 });
    conn.send(event('medium', { blob: 'x'.repeat(4000) }));
    await tick();
    expect(socket.writableLength).toBeGreaterThan(1024);
    expect(socket.writableNeedDrain).toBe(false);
    expect(conn.isReadingPaused).toBe(false);
    expect(socket.paused).toBe(false);
  });

  // Regression: end() used to call socket.end() with frames still in the priority queues; the
  // next 'drain' then wrote them after the FIN (ERR_STREAM_WRITE_AFTER_END) and they were lost.
  it('end() hands every queued frame to the socket before the FIN and sends nothing after', async () => {
    const { socket, conn } = setup();
    socket.writableNeedDrain = true;
    conn.send(event('n1'));
    conn.send(event('n2'));
    conn.closeWithError('KICKED', 'bye');
    expect(socket.ended).toBe(true);
    expect(commandsOf(socket)).toEqual(['control/error', 'n1', 'n2']);
    expect(conn.send(event('late'))).toBe(false);
    socket.drain();
    expect(socket.writesAfterEnd).toBe(0);
  });

  it('flushes the current batch on end() too', async () => {
    const { socket, conn } = setup();
    conn.send(event('a'));
    conn.end();
    expect(commandsOf(socket)).toEqual(['a']);
    await tick();
    expect(socket.writesAfterEnd).toBe(0);
  });

  // Regression: ids were `c-<pid>-<n>`; on the Redis bus two containers (both pid 1) would target
  // each other's connections. Ids now carry a random per-process tag.
  it('gives connections ids that do not depend on the pid alone', () => {
    const a = setup().conn;
    const b = setup().conn;
    expect(a.id).toMatch(/^c-[0-9a-f]{8}-[0-9a-z]+$/);
    expect(a.id).not.toContain(`c-${process.pid.toString(36)}-`);
    expect(a.id).not.toBe(b.id);
  });

  it('destroys a socket that stays paused for DRAIN_TIMEOUT_MS', () => {
    jest.useFakeTimers();
    const { socket, conn } = setup({ drainTimeoutMs: 500 });
    socket.writableNeedDrain = true;
    socket.writableLength = limits.writeBufferHighBytes + 1;
    conn.send(event('x'));
    expect(conn.isReadingPaused).toBe(true);
    jest.advanceTimersByTime(499);
    expect(socket.destroyed).toBe(false);
    jest.advanceTimersByTime(1);
    expect(socket.destroyed).toBe(true);
  });
});
