/**
 * Extension port: another module looks up one entry of a conversation's stream (a message, or a
 * module-defined entry) by `(conversation_id, seq)` or by id, with the caller's access checked
 * exactly as message/history checks it (member of the conversation, and the entry is in the
 * part of the history they may read). Anything the caller may not read answers like an entry
 * that does not exist: 404 NOT_FOUND, so a stranger learns nothing.
 */
import { Injectable } from '@nestjs/common';
import { ProtocolError } from '../../shared/protocol';
import type { WireMessage } from '../../shared/protocol/messages/message.messages';
import { HistoryService } from './history.service';
import { toWire } from './message.mapper';
import { MessageRepository } from './message.repository';

export type MessageRef = { conversationId: string; seq: number } | { messageId: string };

@Injectable()
export class MessageLookup {
  constructor(
    private readonly repository: MessageRepository,
    private readonly history: HistoryService,
  ) {}

  /** The entry as the user would see it in history; 404 NOT_FOUND when absent or not readable. */
  async find(userId: string, ref: MessageRef): Promise<WireMessage> {
    const found = await this.findOrNull(userId, ref);
    if (!found) throw notFound(ref);
    return found;
  }

  /** As `find`, null instead of the 404 (a database outage still throws: it is not an absence). */
  async findOrNull(userId: string, ref: MessageRef): Promise<WireMessage | null> {
    const row = 'messageId' in ref ? await this.repository.findById(ref.messageId) : await this.repository.findBySeq(ref.conversationId, ref.seq);
    if (!row) return null;
    let from: number | 'empty';
    try {
      from = await this.history.readableFrom(userId, row.conversationId);
    } catch (err) {
      if (ProtocolError.is(err) && err.code === 'NOT_A_MEMBER') return null;
      throw err;
    }
    return from !== 'empty' && row.seq > from ? toWire(row) : null;
  }
}

function notFound(ref: MessageRef): ProtocolError {
  const what = 'messageId' in ref ? `message ${ref.messageId}` : `seq ${ref.seq} of conversation ${ref.conversationId}`;
  return new ProtocolError('NOT_FOUND', `no ${what} in your conversations`, 404);
}
