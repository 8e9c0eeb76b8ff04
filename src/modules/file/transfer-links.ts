/**
 * In-process bookkeeping shared by the control side (FileService) and the data channel:
 * which data connection carries a transfer, and a per-transfer serial lane so an open, the data
 * frames, a cancel and an expiry of one transfer never interleave (a resumed connection cannot
 * truncate the partial file while the old one is still appending).
 */
import { Injectable } from '@nestjs/common';
import type { ChannelConnection } from '../../transport/tlv-channel';

/** How the control side tells a data connection that its transfer ended elsewhere. */
export interface LinkedConnection {
  conn: ChannelConnection;
  /** Sends the given TLV notice (cancel or error) and closes. */
  close(type: number, body: Record<string, unknown>): void;
  /** Resolves once the connection's background work (an fsync + offset write) is done. */
  settle(): Promise<void>;
}

@Injectable()
export class TransferLinks {
  private readonly links = new Map<string, LinkedConnection>();
  private readonly lanes = new Map<string, Promise<unknown>>();

  /** Runs `fn` after everything queued for this transfer; the lane is dropped when idle. */
  run<T>(transferId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.lanes.get(transferId) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.lanes.set(transferId, settled);
    void settled.then(() => {
      if (this.lanes.get(transferId) === settled) this.lanes.delete(transferId);
    });
    return next;
  }

  /** Attaches a data connection; returns the one it replaces (a resume after a dead socket). */
  attach(transferId: string, link: LinkedConnection): LinkedConnection | undefined {
    const previous = this.links.get(transferId);
    this.links.set(transferId, link);
    return previous && previous.conn !== link.conn ? previous : undefined;
  }

  detach(transferId: string, conn: ChannelConnection): void {
    if (this.links.get(transferId)?.conn === conn) this.links.delete(transferId);
  }

  get(transferId: string): LinkedConnection | undefined {
    return this.links.get(transferId);
  }
}
