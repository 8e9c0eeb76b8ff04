/**
 * Threads, Slack's model: a thread is a root message and the messages sent with
 * `meta.thread_root` = the root's message_id. Replies are ordinary messages of the conversation's
 * stream (their own seq, pushed, offline, synced, acked like any message; `thread_root_seq` on the
 * wire, stored as messages.ref_seq), so nothing about delivery changes. Threads are one level deep:
 * a reply cannot be a root. The root's summary — `reply_count`, `last_reply_at`, up to 5
 * `reply_participants` — is computed when history or message/thread is read (one grouped query per
 * conversation of the page, on the partial ref_seq index), so it is never out of step with the
 * replies; a client that keeps state updates it from the replies it receives.
 */
import { Injectable } from '@nestjs/common';
import { ProtocolError } from '../../shared/protocol';
import type { WireMessage } from '../../shared/protocol/messages/message.messages';
import { MessageRepository } from './message.repository';
import { validationFailed } from './message.service';

/** Participant ids a root carries at most. */
export const THREAD_PARTICIPANTS_MAX = 5;

@Injectable()
export class MessageThreads {
  constructor(private readonly repository: MessageRepository) {}

  /** The seq of the root named by a send's `meta.thread_root`, or why it cannot be one. */
  async rootSeq(conversationId: string, rootMessageId: string): Promise<number> {
    const root = await this.repository.findInConversation(conversationId, rootMessageId);
    if (!root || root.kind !== 'message') throw new ProtocolError('NOT_FOUND', `meta.thread_root: message ${rootMessageId} is not in conversation ${conversationId}`, 404);
    if (root.refSeq !== null && root.refSeq !== undefined) {
      throw validationFailed('meta.thread_root', `message ${rootMessageId} is itself a reply in a thread; reply to its root (seq ${root.refSeq}) instead: threads are one level deep`);
    }
    if (root.recalledAt) throw new ProtocolError('MESSAGE_RECALLED', `meta.thread_root: message ${rootMessageId} was recalled; start a new thread`, 409);
    return root.seq;
  }

  /** Sets the thread summary on every message of `messages` that has replies (in place). */
  async summarize(messages: WireMessage[]): Promise<void> {
    const roots = new Map<string, WireMessage[]>();
    for (const m of messages) {
      if (m.kind !== undefined || m.thread_root_seq !== undefined) continue;
      let list = roots.get(m.conversation_id);
      if (!list) roots.set(m.conversation_id, (list = []));
      list.push(m);
    }
    for (const [conversationId, list] of roots) {
      const summaries = await this.repository.threadSummaries(conversationId, list.map((m) => m.seq));
      for (const m of list) {
        const s = summaries.get(m.seq);
        if (!s) continue;
        m.reply_count = s.count;
        m.last_reply_at = Math.floor(s.last / 1000);
        m.reply_participants = s.participants.slice(0, THREAD_PARTICIPANTS_MAX);
      }
    }
  }
}
