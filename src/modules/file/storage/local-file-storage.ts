/**
 * FileStorage on a local (or shared, e.g. NFS) directory:
 *   <FILE_STORAGE_DIR>/blobs/<aa>/<sha256>     finished content, by hash
 *   <FILE_STORAGE_DIR>/partial/<transfer_id>   uploads in progress
 * Commit is a rename within one file system (atomic), followed by an fsync of the directory so
 * the rename itself survives a crash. Several nodes share files through a shared directory.
 */
import { constants, createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { FileStorage, PartialWriter } from './file-storage';

const HEX64 = /^[0-9a-f]{64}$/;
/**
 * A download reads the disk in blocks of about this size and cuts them into chunks: one read
 * (a thread-pool round trip and a fresh buffer) per MiB instead of one per 256 KiB chunk.
 */
const READ_BLOCK_BYTES = 1024 * 1024;
const TRANSFER_ID = /^tr-[0-9a-f]{8,64}$/;

export class LocalFileStorage extends FileStorage {
  private readonly blobs: string;
  private readonly partials: string;

  constructor(root: string) {
    super();
    this.blobs = path.resolve(root, 'blobs');
    this.partials = path.resolve(root, 'partial');
  }

  async init(): Promise<void> {
    await fs.mkdir(this.blobs, { recursive: true });
    await fs.mkdir(this.partials, { recursive: true });
  }

  async blobSize(sha256: string): Promise<number | undefined> {
    try {
      return (await fs.stat(this.blobPath(sha256))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async *readBlob(sha256: string, start: number, chunkBytes: number): AsyncIterable<Buffer> {
    const blockBytes = Math.max(1, Math.floor(READ_BLOCK_BYTES / chunkBytes)) * chunkBytes;
    // The stream reads the next block while this one is being sent (its own read-ahead).
    const blocks = createReadStream(this.blobPath(sha256), { start, highWaterMark: blockBytes }) as AsyncIterable<Buffer>;
    let carry: Buffer | undefined;
    for await (const block of blocks) {
      // A short read (rare for a regular file) leaves a partial chunk: joined with the next block.
      const data = carry ? Buffer.concat([carry, block]) : block;
      carry = undefined;
      let at = 0;
      for (; data.length - at >= chunkBytes; at += chunkBytes) yield data.subarray(at, at + chunkBytes);
      if (at < data.length) carry = data.subarray(at);
    }
    if (carry) yield carry;
  }

  async openPartial(transferId: string, durableOffset: number): Promise<PartialWriter> {
    const file = this.partialPath(transferId);
    const handle = await fs.open(file, constants.O_CREAT | constants.O_WRONLY);
    try {
      const { size } = await handle.stat();
      if (size < durableOffset) {
        throw new Error(`partial upload ${transferId} holds ${size} bytes, less than its durable offset ${durableOffset}`);
      }
      // Bytes past the durable offset were never acknowledged: the client sends them again.
      if (size > durableOffset) await handle.truncate(durableOffset);
    } catch (err) {
      await handle.close();
      throw err;
    }
    let position = durableOffset;
    return {
      append: async (parts: readonly Buffer[]) => {
        // One writev per chunk; a short write (disk full is an error, not this) is continued.
        const left = parts.filter((p) => p.length > 0);
        while (left.length > 0) {
          let { bytesWritten } = await handle.writev(left, position);
          if (bytesWritten === 0) throw new Error('the disk accepted no bytes (writev returned 0)');
          position += bytesWritten;
          while (left.length > 0 && bytesWritten >= left[0].length) bytesWritten -= left.shift()!.length;
          if (bytesWritten > 0) left[0] = left[0].subarray(bytesWritten);
        }
      },
      sync: () => handle.datasync(),
      close: () => handle.close(),
    };
  }

  async *readPartial(transferId: string, length: number, chunkBytes: number): AsyncIterable<Buffer> {
    if (length === 0) return;
    yield* createReadStream(this.partialPath(transferId), { start: 0, end: length - 1, highWaterMark: chunkBytes }) as AsyncIterable<Buffer>;
  }

  async partialSize(transferId: string): Promise<number> {
    try {
      return (await fs.stat(this.partialPath(transferId))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
  }

  async deletePartial(transferId: string): Promise<void> {
    await fs.rm(this.partialPath(transferId), { force: true });
  }

  async commit(transferId: string, sha256: string): Promise<void> {
    const target = this.blobPath(sha256);
    const dir = path.dirname(target);
    await fs.mkdir(dir, { recursive: true });
    if ((await this.blobSize(sha256)) !== undefined) await this.deletePartial(transferId);
    else await fs.rename(this.partialPath(transferId), target);
    // The same work either way (a directory fsync): how long a commit takes does not tell an
    // uploader whether someone else already stored this content (#18.2).
    await syncDirectory(dir);
  }

  async freeBytes(): Promise<number> {
    // What an unprivileged writer may still use (bavail, not bfree: root's reserve is not ours).
    const stats = await fs.statfs(this.partials);
    return stats.bavail * stats.bsize;
  }

  async listPartials(): Promise<string[]> {
    return (await fs.readdir(this.partials)).filter((name) => TRANSFER_ID.test(name));
  }

  private blobPath(sha256: string): string {
    // Names come from validated requests, but the storage never trusts a path component.
    if (!HEX64.test(sha256)) throw new Error(`not a sha256 hex digest: ${sha256.slice(0, 80)}`);
    return path.join(this.blobs, sha256.slice(0, 2), sha256);
  }

  private partialPath(transferId: string): string {
    if (!TRANSFER_ID.test(transferId)) throw new Error(`not a transfer id: ${transferId.slice(0, 80)}`);
    return path.join(this.partials, transferId);
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
