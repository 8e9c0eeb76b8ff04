/** The Node transport: newline-delimited JSON over TCP or TLS (node:net / node:tls). */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { LineFrameDecoder } from '../../shared/protocol/framing';
import type { ClientTransport, ClientTransportHandlers } from './client-transport';

export interface TcpTransportOptions {
  host?: string;
  port: number;
  localAddress?: string;
  tls?: tls.ConnectionOptions;
  maxFrameBytes: number;
}

export class TcpTransport implements ClientTransport {
  readonly kind = 'tcp';

  private constructor(
    readonly socket: net.Socket,
    private readonly maxFrameBytes: number,
  ) {}

  static connect(options: TcpTransportOptions): Promise<TcpTransport> {
    return new Promise((resolve, reject) => {
      const host = options.host ?? '127.0.0.1';
      const socket = options.tls ? tls.connect({ host, port: options.port, ...options.tls }) : net.connect({ host, port: options.port, localAddress: options.localAddress });
      socket.once('error', reject);
      socket.once(options.tls ? 'secureConnect' : 'connect', () => {
        socket.off('error', reject);
        socket.setNoDelay(true);
        resolve(new TcpTransport(socket, options.maxFrameBytes));
      });
    });
  }

  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }

  start(handlers: ClientTransportHandlers): void {
    const decoder = new LineFrameDecoder({ maxFrameBytes: this.maxFrameBytes });
    this.socket.on('data', (chunk: Buffer) => decoder.push(chunk, handlers.frame));
    this.socket.on('error', handlers.error);
    this.socket.once('close', handlers.close);
  }

  send(frame: string): void {
    this.socket.write(frame);
  }

  writeRaw(data: string | Uint8Array): void {
    this.socket.write(data);
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }
}
