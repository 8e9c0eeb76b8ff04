/**
 * Where file bytes live. The module only talks to this port, so an S3-compatible adapter can
 * replace the local disk without touching it: partial uploads map to multipart uploads (append
 * = buffer and upload parts, sync = complete the buffered part), commit = complete + copy to the
 * content-addressed key, read = ranged GET.
 *
 * Content addressing: a finished file is stored under its sha256, so the same content is stored
 * once, whoever uploads it. Partial uploads live apart (by transfer id) until commit.
 */
export interface PartialWriter {
  /** Appends the bytes of `parts`, in order, at the current end (one write where the storage can). */
  append(parts: readonly Buffer[]): Promise<void>;
  /** Makes everything appended so far durable (survives a crash of the process or host). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export abstract class FileStorage {
  /** Is content with this sha256 (hex) stored? Its size, or undefined. */
  abstract blobSize(sha256: string): Promise<number | undefined>;

  /**
   * Reads stored content from `start` to the end in chunks of exactly `chunkBytes`, the last one
   * shorter (encrypted downloads seal one chunk per frame, indexed by offset / chunk size).
   */
  abstract readBlob(sha256: string, start: number, chunkBytes: number): AsyncIterable<Buffer>;

  /**
   * Opens the partial upload of a transfer for appending, first cutting it to `durableOffset`
   * (bytes after it were never acknowledged and are written again by the client). Creates it
   * when missing (offset must then be 0).
   */
  abstract openPartial(transferId: string, durableOffset: number): Promise<PartialWriter>;

  /** Reads the partial upload's first `length` bytes (to rebuild the running hash on resume). */
  abstract readPartial(transferId: string, length: number, chunkBytes: number): AsyncIterable<Buffer>;

  /** Bytes held for a partial upload (0 when none). */
  abstract partialSize(transferId: string): Promise<number>;

  abstract deletePartial(transferId: string): Promise<void>;

  /**
   * Atomically turns a verified partial upload into the content for `sha256`: readers see the
   * whole file or nothing. When the content is already stored the partial is just dropped.
   */
  abstract commit(transferId: string, sha256: string): Promise<void>;

  /** Transfer ids with partial data (the sweeper removes those no transfer row owns). */
  abstract listPartials(): Promise<string[]>;

  /** Bytes still free for new content (an object store without a limit: undefined). */
  abstract freeBytes(): Promise<number | undefined>;
}
