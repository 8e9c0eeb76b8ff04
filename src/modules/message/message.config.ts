import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { defineConfig } from '../../config/config.util';

const positive = (max: number) => `must be an integer between 1 and ${max}`;

class MessageEnv {
  /** Longest `content.text`, in characters (UTF-16 code units, as JS counts them). */
  @Type(() => Number)
  @IsInt({ message: positive(1_000_000) })
  @Min(1, { message: positive(1_000_000) })
  @Max(1_000_000, { message: positive(1_000_000) })
  MESSAGE_MAX_TEXT = 8000;

  @Type(() => Number)
  @IsInt({ message: 'must be an integer between 0 and 100' })
  @Min(0, { message: 'must be an integer between 0 and 100' })
  @Max(100, { message: 'must be an integer between 0 and 100' })
  MESSAGE_MAX_ATTACHMENTS = 10;

  /** How long a request id stays an idempotency key for its sender (seconds). */
  @Type(() => Number)
  @IsInt({ message: positive(31_536_000) })
  @Min(1, { message: positive(31_536_000) })
  @Max(31_536_000, { message: positive(31_536_000) })
  MESSAGE_DEDUP_TTL_S = 86_400;

  /** Messages per `message/offline` batch. */
  @Type(() => Number)
  @IsInt({ message: positive(1000) })
  @Min(1, { message: positive(1000) })
  @Max(1000, { message: positive(1000) })
  MESSAGE_OFFLINE_BATCH = 100;

  /** Largest `limit` a `message/history` request may ask for (also the default). */
  @Type(() => Number)
  @IsInt({ message: positive(1000) })
  @Min(1, { message: positive(1000) })
  @Max(1000, { message: positive(1000) })
  MESSAGE_HISTORY_MAX = 100;

  /**
   * Group receipts to one sender are collected for this long and sent as one `message/ack`
   * event, so 500 members acknowledging do not send 500 events. 0 sends each immediately.
   */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer between 0 and 60000 (milliseconds)' })
  @Min(0, { message: 'must be an integer between 0 and 60000 (milliseconds)' })
  @Max(60_000, { message: 'must be an integer between 0 and 60000 (milliseconds)' })
  MESSAGE_RECEIPT_WINDOW_MS = 250;

  /**
   * How long after sending its author may edit a message (message/edit), in seconds; 0 = no
   * limit. Past it: 403 EDIT_WINDOW_EXPIRED.
   */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer between 0 and 31536000 (seconds; 0 = no limit)' })
  @Min(0, { message: 'must be an integer between 0 and 31536000 (seconds; 0 = no limit)' })
  @Max(31_536_000, { message: 'must be an integer between 0 and 31536000 (seconds; 0 = no limit)' })
  MESSAGE_EDIT_WINDOW_S = 86_400;

  /**
   * How long after sending its author may recall a message (message/recall), in seconds; 0 = no
   * limit. Group owners and admins may recall any message at any time. Past it: 403
   * RECALL_WINDOW_EXPIRED.
   */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer between 0 and 31536000 (seconds; 0 = no limit)' })
  @Min(0, { message: 'must be an integer between 0 and 31536000 (seconds; 0 = no limit)' })
  @Max(31_536_000, { message: 'must be an integer between 0 and 31536000 (seconds; 0 = no limit)' })
  MESSAGE_RECALL_WINDOW_S = 86_400;
}

export const messageConfig = defineConfig('message', MessageEnv, (env) => ({
  maxText: env.MESSAGE_MAX_TEXT,
  maxAttachments: env.MESSAGE_MAX_ATTACHMENTS,
  dedupTtlMs: env.MESSAGE_DEDUP_TTL_S * 1000,
  offlineBatch: env.MESSAGE_OFFLINE_BATCH,
  historyMax: env.MESSAGE_HISTORY_MAX,
  receiptWindowMs: env.MESSAGE_RECEIPT_WINDOW_MS,
  editWindowMs: env.MESSAGE_EDIT_WINDOW_S * 1000,
  recallWindowMs: env.MESSAGE_RECALL_WINDOW_S * 1000,
}));
export type MessageConfig = ReturnType<typeof messageConfig.parse>;
