/**
 * Extension port: another module appends an entry of its own kind (e.g. `poll.voted`) to a
 * conversation's ordered stream. The entry goes through the same group-commit writer as
 * message/send — it takes the next seq, is stored in the same transaction as its membership
 * check, is pushed to the members as `message/event`, and comes back through message/history
 * (paging and sync) and offline batches exactly like a message. On the wire it is a message with
 * `kind` set and the module's data in `content`; clients that do not know the kind skip it.
 *
 * Access: the actor must be a member of the conversation (direct or group); the broadcast
 * conversation takes no module entries. A refusal is NOT_A_MEMBER, the same answer as for a
 * conversation that does not exist.
 */
import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { MessageCommands, ProtocolError } from '../../shared/protocol';
import type { WireMessage } from '../../shared/protocol/messages/message.messages';
import { EventPublisher } from '../../transport/event-publisher';
import { ConversationRepository } from '../conversation';
import { canonical } from './content-hash';
import { MessageMetrics } from './message.metrics';
import { newMessageId } from './message-id';
import { toWire } from './message.mapper';
import { MessageWriter, NewMessage } from './message-writer';
import { CommittedEntries } from './committed-entries';
import { MESSAGE_MAX_BYTES } from './page-budget';
import { notAMember } from './message.service';

/** `<module>.<what>`: lower case, the owning module's name first (`poll.voted`, `reaction.added`). */
export const STREAM_KIND_PATTERN = /^[a-z][a-z0-9-]*\.[a-z0-9_.-]{1,40}$/;

export interface StreamEntry {
  conversationId: string;
  /** The user on whose behalf the entry is written (its `sender_id`); must be a member. */
  actorId: string;
  /** Module-defined kind, see STREAM_KIND_PATTERN. */
  kind: string;
  /** The entry's data: `content` on the wire. */
  data: Record<string, unknown>;
  /**
   * Makes the append idempotent per actor: a second append with the same key returns the entry
   * stored first (`duplicate: true`) instead of a new one. Default: every append is new.
   */
  idempotencyKey?: string;
  /** A connection that should not get the push (e.g. the one whose request caused it). */
  excludeConnection?: string;
  /**
   * The seq of the entry of this conversation the new one is about (the message a reaction or a
   * pin refers to): stored indexed, returned as `ref_seq`. Look it up with MessageLookup first.
   */
  refSeq?: number;
}

export interface AppendedEntry {
  entry: WireMessage;
  duplicate: boolean;
}

@Injectable()
export class ConversationStream {
  private readonly logger = new Logger('ConversationStream');

  constructor(
    private readonly writer: MessageWriter,
    private readonly conversations: ConversationRepository,
    private readonly publisher: EventPublisher,
    private readonly metrics: MessageMetrics,
    private readonly committed: CommittedEntries,
  ) {}

  async append(input: StreamEntry): Promise<AppendedEntry> {
    if (!STREAM_KIND_PATTERN.test(input.kind)) {
      // A programming error of the calling module, not a client's: fails loudly (500).
      throw new Error(`stream entry kind "${input.kind}" must look like "<module>.<what>" (${STREAM_KIND_PATTERN})`);
    }
    const content = JSON.stringify(input.data);
    if (Buffer.byteLength(content, 'utf8') > MESSAGE_MAX_BYTES) {
      throw new Error(`stream entry ${input.kind}: data is larger than ${MESSAGE_MAX_BYTES} bytes as JSON`);
    }
    const conversation = await this.conversations.find(input.conversationId);
    if (!conversation || conversation.kind === 'broadcast') throw notAMember(input.conversationId);
    let directMembers: [string, string] | undefined;
    if (conversation.kind === 'direct') {
      // Direct memberships never change; a group's is checked inside the write transaction.
      const members = (await this.conversations.listMembers(input.conversationId)).map((m) => m.userId);
      if (members.length !== 2 || !members.includes(input.actorId)) throw notAMember(input.conversationId);
      directMembers = [members[0], members[1]];
    }
    const id = newMessageId();
    const message: NewMessage = {
      id,
      conversationId: input.conversationId,
      kind: conversation.kind,
      directMembers,
      senderId: input.actorId,
      // Namespaced so it cannot meet another user's ids; a client that sends its own request id
      // of this shape only collides with its own entries (answered 409, never merged).
      clientMsgId: `~${input.kind}:${input.idempotencyKey ?? id}`.slice(0, 128),
      contentHash: createHash('sha256').update(canonical({ kind: input.kind, data: input.data })).digest('hex'),
      content: input.data,
      attachments: [],
      meta: {},
      entryKind: input.kind,
      refSeq: input.refSeq,
      json: { content, attachments: '[]', meta: '{}' },
    };
    const outcome = await this.writer.write(message, (o) => {
      if (o.status !== 'stored') return;
      this.push(toWire(o.stored), o.recipients, input.excludeConnection);
      this.committed.emit(o.stored, o.recipients);
    });
    if (outcome.status === 'not-member') throw notAMember(input.conversationId);
    if (outcome.status === 'duplicate') {
      if (outcome.stored.kind !== input.kind) throw new ProtocolError('IDEMPOTENCY_CONFLICT', `idempotency key already used for a ${outcome.stored.kind} entry`, 409);
      return { entry: toWire(outcome.stored), duplicate: true };
    }
    this.metrics.persisted();
    return { entry: toWire(outcome.stored), duplicate: false };
  }

  private push(entry: WireMessage, recipients: string[] | undefined, excludeConnection: string | undefined): void {
    if (!recipients) return;
    this.metrics.pushedLive();
    this.publisher
      .toUsers(recipients, MessageCommands.EVENT.name, { status: 200, message: entry }, { excludeConnection, droppable: true })
      .catch((err: Error) => this.logger.warn(`push of ${entry.kind} ${entry.message_id} failed (clients catch up via sync): ${err.message}`));
  }
}
