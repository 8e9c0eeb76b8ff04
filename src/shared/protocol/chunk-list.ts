/**
 * The bytes of an unfinished frame, held by both decoders (framing.ts) in memory proportional to
 * their count however they were split.
 *
 * Keeping every socket read as a Buffer view (no copy) is right for large reads, but a peer that
 * trickles a frame one byte per read made each byte cost a Buffer object, an ArrayBuffer and its
 * allocation (~180 bytes of RSS per byte, issue #18.9); and a small view of a large read keeps the
 * whole read alive. So a read is kept as a view only when it is large (VIEW_MIN_BYTES) and fills
 * most of its backing store; anything else is copied into an owned block that grows with the
 * bytes held (doubling, from BLOCK_MIN_BYTES up to BLOCK_MAX_BYTES): at most about twice the bytes
 * plus one block, and one object per block instead of one per read.
 */

/** Reads at least this large (and filling at least half their backing store) are kept as views. */
const VIEW_MIN_BYTES = 1024;
const BLOCK_MIN_BYTES = 256;
const BLOCK_MAX_BYTES = 64 * 1024;

export class ChunkList {
  /** The bytes held, in order: views of large reads and of owned blocks. */
  private list: Buffer[] = [];
  private held = 0;
  /** The owned block being filled; when set, the last entry of `list` is its filled part. */
  private block?: Buffer;
  private blockUsed = 0;

  /** Bytes held. */
  get length(): number {
    return this.held;
  }

  /** Backing memory held for these bytes (owned blocks at their capacity; views at their size). */
  get retainedBytes(): number {
    let total = 0;
    for (const part of this.list) total += part === this.list[this.list.length - 1] && this.block ? this.block.length : part.length;
    return total;
  }

  /** How many Buffers hold the bytes (each costs an object besides its bytes). */
  get partCount(): number {
    return this.list.length;
  }

  push(chunk: Buffer): void {
    const n = chunk.length;
    if (n === 0) return;
    this.held += n;
    if (n >= VIEW_MIN_BYTES && n * 2 >= chunk.buffer.byteLength) {
      this.block = undefined;
      this.list.push(chunk);
      return;
    }
    if (this.block && this.blockUsed + n <= this.block.length) {
      chunk.copy(this.block, this.blockUsed);
      this.blockUsed += n;
      this.list[this.list.length - 1] = this.block.subarray(0, this.blockUsed);
      return;
    }
    // A block of its own backing store (allocUnsafeSlow): a pooled one would share, and pin, an
    // 8 KiB slab with unrelated Buffers.
    const size = Math.max(n, Math.min(BLOCK_MAX_BYTES, Math.max(BLOCK_MIN_BYTES, this.held)));
    this.block = Buffer.allocUnsafeSlow(size);
    chunk.copy(this.block, 0);
    this.blockUsed = n;
    this.list.push(this.block.subarray(0, n));
  }

  /** The first part (at least `n` bytes: the parts are merged when the first is shorter). */
  first(n: number): Buffer {
    if (this.list[0].length >= n) return this.list[0];
    const merged = Buffer.concat(this.list, this.held);
    this.list = [merged];
    this.block = undefined;
    return merged;
  }

  /** All bytes held plus `tail`, as one Buffer; the list is empty afterwards. */
  drain(tail?: Buffer): Buffer {
    if (tail) this.list.push(tail);
    const out = Buffer.concat(this.list, this.held + (tail?.length ?? 0));
    this.clear();
    return out;
  }

  /** The next `n` bytes as views (no copy), removed from the list. */
  take(n: number): Buffer[] {
    const out: Buffer[] = [];
    let left = n;
    let used = 0;
    while (left > 0) {
      const part = this.list[used];
      if (part.length <= left) {
        out.push(part);
        used++;
        left -= part.length;
      } else {
        out.push(part.subarray(0, left));
        this.list[used] = part.subarray(left);
        left = 0;
      }
    }
    // One splice per call, not one shift per part: linear however the bytes were split.
    if (used > 0) this.list.splice(0, used);
    // The open block's bytes may have been handed out (or cut): later reads go to a new block.
    this.block = undefined;
    this.held -= n;
    return out;
  }

  clear(): void {
    this.list = [];
    this.held = 0;
    this.block = undefined;
    this.blockUsed = 0;
  }
}
