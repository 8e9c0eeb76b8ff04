/** File transfers (src/modules/file): the TLV data channel, storage and per-user limits. */
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { defineConfig } from '../../config/config.util';

const int = (min: number, max: number) => `must be an integer between ${min} and ${max}`;

class FileEnv {
  /** Data-channel port (TLV frames; TLS like the control port when TLS_CERT/TLS_KEY are set). 0 picks a free port. */
  @Type(() => Number)
  @IsInt({ message: int(0, 65535) }) @Min(0, { message: int(0, 65535) }) @Max(65535, { message: int(0, 65535) })
  FILE_PORT = 9500;

  /** Host name clients are told to connect to for the data channel; default: the address the control connection reached. */
  @IsOptional() @IsString()
  FILE_PUBLIC_HOST?: string;

  /** Data-channel port clients are told (behind NAT/port mapping); default: the bound FILE_PORT. */
  @IsOptional() @Type(() => Number)
  @IsInt({ message: int(1, 65535) }) @Min(1, { message: int(1, 65535) }) @Max(65535, { message: int(1, 65535) })
  FILE_PUBLIC_PORT?: number;

  /** Local-disk storage root: finished files under blobs/ (by sha256), partial uploads under partial/. */
  @IsString()
  FILE_STORAGE_DIR = './data/files';

  /** Largest file accepted, in bytes. */
  @Type(() => Number)
  @IsInt({ message: int(1, Number.MAX_SAFE_INTEGER) }) @Min(1, { message: int(1, Number.MAX_SAFE_INTEGER) })
  FILE_MAX_BYTES = 1024 * 1024 * 1024;

  /** Storage quota per user in bytes: finished uploads plus uploads in progress (their full size). */
  @Type(() => Number)
  @IsInt({ message: int(1, Number.MAX_SAFE_INTEGER) }) @Min(1, { message: int(1, Number.MAX_SAFE_INTEGER) })
  FILE_QUOTA_BYTES = 10 * 1024 * 1024 * 1024;

  /** Active transfers per user; more requests are queued (202) and accepted later (file/accept). */
  @Type(() => Number)
  @IsInt({ message: int(1, 1000) }) @Min(1, { message: int(1, 1000) }) @Max(1000, { message: int(1, 1000) })
  FILE_MAX_CONCURRENT = 4;

  /** Plaintext bytes per data frame. */
  @Type(() => Number)
  @IsInt({ message: int(1024, 4194304) }) @Min(1024, { message: int(1024, 4194304) }) @Max(4194304, { message: int(1024, 4194304) })
  FILE_CHUNK_SIZE = 256 * 1024;

  /** Upload: the server starts an fsync + offset write + ACK every this many data frames (at most twice this many are ever unacknowledged). */
  @Type(() => Number)
  @IsInt({ message: int(1, 1024) }) @Min(1, { message: int(1, 1024) }) @Max(1024, { message: int(1, 1024) })
  FILE_ACK_EVERY = 16;

  /** Download: most bytes sent and not yet acknowledged by the client (TLV ACK); told to clients as window_bytes, the SDK ACKs every quarter of it. */
  @Type(() => Number)
  @IsInt({ message: int(65536, 1073741824) }) @Min(65536, { message: int(65536, 1073741824) }) @Max(1073741824, { message: int(65536, 1073741824) })
  FILE_WINDOW_BYTES = 8 * 1024 * 1024;

  /** A transfer with no progress for this many seconds is cancelled and its partial data deleted. */
  @Type(() => Number)
  @IsInt({ message: int(1, 31536000) }) @Min(1, { message: int(1, 31536000) }) @Max(31536000, { message: int(1, 31536000) })
  FILE_TRANSFER_TTL = 86_400;

  /**
   * Upload lease in ms: one data connection (on any node) may append to a transfer at a time; a resume on
   * another node is answered TRANSFER_BUSY until the previous holder's lease ran out (a node that died mid-upload: at most this long).
   */
  @Type(() => Number)
  @IsInt({ message: int(1000, 600000) }) @Min(1000, { message: int(1000, 600000) }) @Max(600000, { message: int(1000, 600000) })
  FILE_LEASE_MS = 15_000;

  /**
   * A data connection on which nothing moved (no byte in either direction) for this many seconds is closed
   * (ERROR 408 IDLE_TIMEOUT; the transfer stays resumable), like a control connection after HEARTBEAT_TIMEOUT_S.
   */
  @Type(() => Number)
  @IsInt({ message: int(1, 86400) }) @Min(1, { message: int(1, 86400) }) @Max(86400, { message: int(1, 86400) })
  FILE_IDLE_TIMEOUT_S = 90;

  /**
   * Low-disk threshold in bytes: an upload is refused (507 STORAGE_FULL) when it and the rest of the uploads in progress would
   * leave less free space than this in FILE_STORAGE_DIR (0: refuse only when the disk is full).
   */
  @Type(() => Number)
  @IsInt({ message: int(0, Number.MAX_SAFE_INTEGER) }) @Min(0, { message: int(0, Number.MAX_SAFE_INTEGER) })
  FILE_MIN_FREE_BYTES = 512 * 1024 * 1024;

  /**
   * Direct (mode "active") transfers between two clients: on (default: a client must ask for it per transfer, and only its
   * chosen recipient learns its listener and the one-time token) or off (file/request with mode "active" is answered
   * 400 MODE_NOT_SUPPORTED and clients fall back to passive).
   */
  @IsIn(['on', 'off'], { message: 'must be on or off' })
  FILE_ACTIVE_MODE: 'on' | 'off' = 'on';

  /** Direct transfers: milliseconds the clients try the direct connection before falling back to passive (told to both). */
  @Type(() => Number)
  @IsInt({ message: int(100, 600_000) }) @Min(100, { message: int(100, 600_000) }) @Max(600_000, { message: int(100, 600_000) })
  FILE_ACTIVE_TIMEOUT_MS = 10_000;
}

export const fileConfig = defineConfig('file', FileEnv, (env) => ({
  port: env.FILE_PORT,
  publicHost: env.FILE_PUBLIC_HOST,
  publicPort: env.FILE_PUBLIC_PORT,
  storageDir: env.FILE_STORAGE_DIR,
  maxBytes: env.FILE_MAX_BYTES,
  quotaBytes: env.FILE_QUOTA_BYTES,
  maxConcurrent: env.FILE_MAX_CONCURRENT,
  chunkSize: env.FILE_CHUNK_SIZE,
  ackEvery: env.FILE_ACK_EVERY,
  windowBytes: env.FILE_WINDOW_BYTES,
  transferTtlMs: env.FILE_TRANSFER_TTL * 1000,
  leaseMs: env.FILE_LEASE_MS,
  idleTimeoutMs: env.FILE_IDLE_TIMEOUT_S * 1000,
  minFreeBytes: env.FILE_MIN_FREE_BYTES,
  activeMode: env.FILE_ACTIVE_MODE === 'on',
  activeTimeoutMs: env.FILE_ACTIVE_TIMEOUT_MS,
  /** Idle data connections and revoked sessions are looked for this often (a quarter of the idle timeout, at most 5 s). */
  idleSweepMs: Math.min(5000, (env.FILE_IDLE_TIMEOUT_S * 1000) / 4),
  /** Expired transfers are looked for this often (a quarter of the TTL, between 100 ms and 60 s). */
  sweepIntervalMs: Math.min(60_000, Math.max(100, (env.FILE_TRANSFER_TTL * 1000) / 4)),
}));
export type FileConfig = ReturnType<typeof fileConfig.parse>;
