/**
 * Regression: the SDK kept every received event in `events` forever, so a long-lived client
 * (the chat CLI) grew without bound. `eventHistory` caps it, newest kept.
 */
import * as net from 'node:net';
import { SwitchboardClient } from '../../../src/client/switchboard-client';
import { encodeFrame } from '../../../src/shared/protocol';
import { skipFrameContract } from '../../support/frame-contract';

// A fake server of this spec's own sends hand-made frames: not the server's contract to check.
skipFrameContract();

describe('SwitchboardClient event history', () => {
  let server: net.Server;
  let port: number;
  const sockets = new Set<net.Socket>();

  beforeAll(async () => {
    server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      const frames = Array.from({ length: 500 }, (_, i) =>
        encodeFrame({ id: `e-${i}`, type: 'event', command: 'notification/event', payload: { n: i } }),
      );
      socket.write(frames.join(''));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('keeps only about the newest `eventHistory` events, and waitFor still sees new ones', async () => {
    const client = await SwitchboardClient.connect({ port, eventHistory: 20 });
    const last = await client.waitFor((f) => f.id === 'e-499');
    expect(last.payload.n).toBe(499);
    expect(client.events.length).toBeGreaterThanOrEqual(20);
    expect(client.events.length).toBeLessThanOrEqual(20 * 1.25 + 16);
    expect(client.events[client.events.length - 1].id).toBe('e-499');
    expect(client.events.some((f) => f.id === 'e-0')).toBe(false);
    client.destroy();
    await client.closed;
  });

  it('keeps everything up to the default of 10,000', async () => {
    const client = await SwitchboardClient.connect({ port });
    await client.waitFor((f) => f.id === 'e-499');
    expect(client.events).toHaveLength(500);
    client.destroy();
    await client.closed;
  });
});
