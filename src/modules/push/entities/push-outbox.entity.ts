import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from '../../../database/column-types';

/**
 * The durable outbox, one row per (device, conversation): the coalescing unit. Messages for the
 * pair bump `queued_seq`/`pending` and set `due_at` if unset; the worker that claims the row
 * (`claim`, `claimed_until`: one node at a time) sends one push for everything pending and moves
 * `sent_seq` up. `queued_seq` makes taking an entry twice (live hook, then the recovery scan)
 * harmless. `due_at` null = nothing to send.
 */
@Entity('push_outbox')
@Index('IDX_push_outbox_due', ['dueAt'])
@Index('IDX_push_outbox_device', ['deviceId'])
@Index('IDX_push_outbox_claim', ['claim'])
export class PushOutboxEntity {
  /** `<device id>|<conversation id>` */
  @PrimaryColumn({ type: 'varchar', length: 120 })
  id: string;

  @Column({ name: 'device_id', type: 'varchar', length: 40 })
  deviceId: string;

  @Column({ name: 'user_id', type: 'varchar', length: 64 })
  userId: string;

  @Column({ name: 'conversation_id', type: 'varchar', length: 64 })
  conversationId: string;

  /** The newest seq queued for this device (an entry at or below it is already counted). */
  @Column({ name: 'queued_seq', type: 'integer' })
  queuedSeq: number;

  /** The newest seq a push was sent (or skipped) for. */
  @Column({ name: 'sent_seq', type: 'integer' })
  sentSeq: number;

  /** Messages queued since the last push. */
  @Column({ type: 'integer' })
  pending: number;

  /** 1 when a pending message mentions the user. */
  @Column({ type: 'integer' })
  mention: number;

  /** The newest pending message (its sender and id: the notification shows it). */
  @Column({ name: 'sender_id', type: 'varchar', length: 64 })
  senderId: string;

  @Column({ name: 'message_id', type: 'varchar', length: 40 })
  messageId: string;

  @Column({ name: 'due_at', type: 'bigint', nullable: true, transformer: bigintNumber })
  dueAt: number | null;

  @Column({ name: 'last_sent_at', type: 'bigint', transformer: bigintNumber })
  lastSentAt: number;

  @Column({ type: 'varchar', length: 40, nullable: true })
  claim: string | null;

  @Column({ name: 'claimed_until', type: 'bigint', transformer: bigintNumber })
  claimedUntil: number;

  @Column({ type: 'integer' })
  attempts: number;

  @Column({ name: 'last_error', type: 'varchar', length: 200, nullable: true })
  lastError: string | null;
}
