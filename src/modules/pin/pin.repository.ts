/** Pins: the only file of the module that talks to the database. */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { writeTransaction } from '../../database/write-transaction';
import { MessagePinEntity } from './entities/message-pin.entity';

export type PinOutcome = { status: 'added' | 'unchanged'; pinnedAt: number; pinnedBy: string } | { status: 'limit' };

@Injectable()
export class PinRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Pins unless pinned already; refuses a new pin in a conversation at `max` ('limit'). One transaction. */
  add(pin: Omit<MessagePinEntity, 'pinnedAt'>, now: number, max: number): Promise<PinOutcome> {
    return writeTransaction(this.dataSource, async (manager) => {
      const pins = manager.getRepository(MessagePinEntity);
      const existing = await pins.findOneBy({ conversationId: pin.conversationId, seq: pin.seq });
      if (existing) return { status: 'unchanged', pinnedAt: existing.pinnedAt, pinnedBy: existing.pinnedBy };
      if ((await pins.countBy({ conversationId: pin.conversationId })) >= max) return { status: 'limit' };
      await pins.insert({ ...pin, pinnedAt: now });
      return { status: 'added', pinnedAt: now, pinnedBy: pin.pinnedBy };
    });
  }

  /** Unpins; returns when it had been pinned, or null if it was not. */
  remove(conversationId: string, seq: number): Promise<number | null> {
    return writeTransaction(this.dataSource, async (manager) => {
      const pins = manager.getRepository(MessagePinEntity);
      const existing = await pins.findOneBy({ conversationId, seq });
      if (!existing) return null;
      const deleted = await pins.delete({ conversationId, seq });
      return deleted.affected ? existing.pinnedAt : null;
    });
  }

  /** The conversation's pins, newest first (bounded by PIN_MAX_PER_CONVERSATION). */
  list(conversationId: string): Promise<MessagePinEntity[]> {
    return this.dataSource.getRepository(MessagePinEntity).find({ where: { conversationId }, order: { pinnedAt: 'DESC', seq: 'DESC' } });
  }

  /** Pins per conversation (conversations without pins are absent). */
  async counts(conversationIds: string[]): Promise<Map<string, number>> {
    if (conversationIds.length === 0) return new Map();
    const rows = await this.dataSource
      .getRepository(MessagePinEntity)
      .createQueryBuilder('p')
      .select('p.conversationId', 'cid')
      .addSelect('COUNT(*)', 'n')
      .where({ conversationId: In(conversationIds) })
      .groupBy('p.conversationId')
      .getRawMany<{ cid: string; n: string | number }>();
    return new Map(rows.map((r) => [r.cid, Number(r.n)]));
  }
}
