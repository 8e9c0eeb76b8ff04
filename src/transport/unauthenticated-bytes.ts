/**
 * The bytes of unfinished frames that connections not authenticated yet hold, per remote address
 * (issue #18.9). Without login a peer could open MAX_CONNECTIONS_PER_IP connections and hold an
 * almost complete MAX_FRAME_BYTES frame on each until FRAME_TIMEOUT_MS (1000 x 1 MiB from one
 * address). A login frame is a few hundred bytes, so a small per-address budget costs honest
 * clients nothing, even hundreds of them behind one NAT address reconnecting together.
 *
 * Shared by the control port and every side channel of one process. Each connection's charge is
 * set after every read to what its decoder holds (0 once authenticated or closed).
 */

/** Default of MAX_UNAUTHENTICATED_BYTES_PER_IP (transport.config.ts). */
export const DEFAULT_UNAUTHENTICATED_BYTES_PER_IP = 4 * 1024 * 1024;

export class UnauthenticatedBytes {
  private readonly byAddress = new Map<string, number>();
  private readonly charged = new Map<object, { address: string; bytes: number }>();

  /** `limit` 0: counted, never refused. */
  constructor(readonly limit: number) {}

  /**
   * Sets what `owner` (a connection) from `address` holds now. False when it grew and that takes
   * the address over the limit: the caller refuses the connection (and calls release()).
   */
  set(owner: object, address: string, bytes: number): boolean {
    const previous = this.charged.get(owner);
    const before = previous?.bytes ?? 0;
    // Only growth is refused: a connection that did not add bytes is never the one over the limit.
    if (bytes === before) return true;
    const total = (this.byAddress.get(address) ?? 0) - before + bytes;
    if (total > 0) this.byAddress.set(address, total);
    else this.byAddress.delete(address);
    if (bytes > 0) this.charged.set(owner, { address, bytes });
    else this.charged.delete(owner);
    return this.limit === 0 || bytes <= before || total <= this.limit;
  }

  release(owner: object): void {
    const previous = this.charged.get(owner);
    if (previous) this.set(owner, previous.address, 0);
  }

  /** Bytes held for `address` (tests, diagnostics). */
  heldBy(address: string): number {
    return this.byAddress.get(address) ?? 0;
  }
}
