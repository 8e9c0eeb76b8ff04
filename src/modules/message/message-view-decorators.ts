/**
 * Extension port: other modules add their own fields to the messages message/history returns
 * (pages and sync), without the message module importing them — e.g. the reaction module adds
 * `reactions: [{emoji, count, me}]`. A decorator gets the reader and one conversation's messages
 * of the page (ascending seq) and sets fields on them in place; it must keep each message small
 * (bounded data), as pages are cut by size before decoration.
 *
 * Stream entries about a message (e.g. `reaction.added`) carry the changes to clients that keep
 * state; decorations give a client that pages history the current state of each message.
 */
import { Injectable } from '@nestjs/common';
import type { WireMessage } from '../../shared/protocol/messages/message.messages';

export type MessageViewDecorator = (readerId: string, conversationId: string, messages: WireMessage[]) => Promise<void>;

@Injectable()
export class MessageViewDecorators {
  private readonly decorators: MessageViewDecorator[] = [];

  /** Called by a module once, at init (OnModuleInit). */
  register(decorator: MessageViewDecorator): void {
    this.decorators.push(decorator);
  }

  /** Decorates the messages (entries are left as they are), one call per conversation and decorator. */
  async apply(readerId: string, messages: WireMessage[]): Promise<void> {
    if (this.decorators.length === 0 || messages.length === 0) return;
    const byConversation = new Map<string, WireMessage[]>();
    for (const m of messages) {
      if (m.kind !== undefined || m.recalled_at !== undefined) continue;
      let list = byConversation.get(m.conversation_id);
      if (!list) byConversation.set(m.conversation_id, (list = []));
      list.push(m);
    }
    for (const [conversationId, list] of byConversation) for (const decorate of this.decorators) await decorate(readerId, conversationId, list);
  }
}
