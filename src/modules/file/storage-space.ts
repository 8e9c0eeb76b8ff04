/**
 * Disk space of the file storage (#18.6). A full disk used to answer 500 INTERNAL_ERROR, keep the
 * partial upload (so the next upload failed too) and leave /health/ready saying ok. Now:
 * - file/request refuses an upload with 507 STORAGE_FULL when it, plus what the uploads in
 *   progress still have to write, would leave less than FILE_MIN_FREE_BYTES free;
 * - a write that fails with ENOSPC/EDQUOT anyway (something else filled the disk) ends that
 *   upload with STORAGE_FULL and deletes its partial data (the data channel, storageFull());
 * - the state (ok / low / full), the free bytes and the threshold are in /health/ready's body as
 *   `file_storage` and in the metrics. The check reports without failing readiness: the node
 *   still serves messaging, and with a shared FILE_STORAGE_DIR every node would drop out at once.
 */
import { Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { featureRegisters, MetricsService } from '../../common/metrics';
import { InjectConfig } from '../../config/config.util';
import { ProtocolError } from '../../shared/protocol';
import { ReadinessChecks, ReadinessReport } from '../lifecycle';
import { FileConfig, fileConfig } from './file.config';
import { FileStorage } from './storage/file-storage';

const REFRESH_MS = 10_000;
/** How long a client waits before uploading again after STORAGE_FULL. */
export const STORAGE_RETRY_AFTER_MS = 60_000;

/** A write error meaning "no space": the disk, or the user's file-system quota. */
export function isNoSpace(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

export function storageFullError(message: string): ProtocolError {
  return new ProtocolError('STORAGE_FULL', message, 507, { retry_after_ms: STORAGE_RETRY_AFTER_MS });
}

@Injectable()
export class StorageSpace implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('FileStorage');
  private free?: number;
  /** A write failed for lack of space; cleared once free space is above the threshold again. */
  private fullSince?: number;
  private timer?: NodeJS.Timeout;
  private readonly noSpaceErrors: Counter;

  constructor(
    @InjectConfig(fileConfig) private readonly config: FileConfig,
    private readonly storage: FileStorage,
    private readonly readiness: ReadinessChecks,
    @Optional() metrics?: MetricsService,
  ) {
    const registers = featureRegisters(metrics);
    // Read at scrape time from the last measurement (refreshed every 10 s and on every upload request).
    const free: Gauge = new Gauge({
      name: 'switchboard_file_storage_free_bytes',
      help: 'Free bytes in FILE_STORAGE_DIR available to the server, as last measured.',
      registers,
      collect: () => {
        if (this.free !== undefined) free.set(this.free);
      },
    });
    const low: Gauge = new Gauge({
      name: 'switchboard_file_storage_low',
      help: '1 while uploads are refused for lack of space (below FILE_MIN_FREE_BYTES, or a write found the storage full), else 0.',
      registers,
      collect: () => low.set(this.state === 'ok' ? 0 : 1),
    });
    this.noSpaceErrors = new Counter({ name: 'switchboard_file_storage_full_total', help: 'Uploads ended by a write that found no space (ENOSPC/EDQUOT).', registers });
  }

  onModuleInit(): void {
    this.readiness.register({ name: 'file_storage', check: () => this.report() });
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
    void this.refresh();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** ok, low (below FILE_MIN_FREE_BYTES: uploads refused) or full (a write found no space). */
  get state(): 'ok' | 'low' | 'full' {
    if (this.fullSince !== undefined) return 'full';
    return this.free !== undefined && this.free < this.config.minFreeBytes ? 'low' : 'ok';
  }

  async refresh(): Promise<number | undefined> {
    try {
      this.free = await this.storage.freeBytes();
    } catch (err) {
      this.logger.warn(`cannot measure the free space of FILE_STORAGE_DIR: ${(err as Error).message}`);
      return this.free;
    }
    if (this.fullSince !== undefined && this.free !== undefined && this.free > this.config.minFreeBytes) {
      this.logger.log(`file storage has ${this.free} bytes free again; uploads accepted`);
      this.fullSince = undefined;
    }
    return this.free;
  }

  /**
   * Before accepting an upload of `bytes` while uploads in progress still have `pending` bytes to
   * write: 507 STORAGE_FULL when that would leave less than FILE_MIN_FREE_BYTES.
   */
  async assertRoomFor(bytes: number, pending: number): Promise<void> {
    const free = await this.refresh();
    if (free === undefined) return;
    const left = free - pending - bytes;
    if (left >= this.config.minFreeBytes && (left > 0 || bytes === 0)) return;
    throw storageFullError(
      `the server's file storage is too full for ${bytes} more bytes (${free} free, ${pending} reserved by uploads in progress, ` +
        `at least ${this.config.minFreeBytes} kept free: FILE_MIN_FREE_BYTES); upload again later`,
    );
  }

  /** A write found no space (the disk filled up under an upload). */
  wroteFull(): void {
    if (this.fullSince === undefined) this.logger.error('file storage is full: a write failed with no space left; uploads in progress there end with STORAGE_FULL');
    this.fullSince = Date.now();
    this.noSpaceErrors.inc();
    void this.refresh();
  }

  private report(): ReadinessReport {
    return { up: true, details: { state: this.state, free_bytes: this.free ?? null, min_free_bytes: this.config.minFreeBytes } };
  }
}
