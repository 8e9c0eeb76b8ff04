/**
 * Extension port: what other modules do when a message is recalled, without the message module
 * importing them. The file module revokes the conversation's access to the files the message
 * named; the reaction and pin modules drop what they keep about it.
 *
 * Hooks run BEFORE the message is erased, with its content and attachments still in hand, and
 * must be idempotent: if one fails, the recall fails (nothing is erased) and the client's retry
 * runs every hook again.
 */
import { Injectable } from '@nestjs/common';

export interface RecalledMessage {
  conversationId: string;
  seq: number;
  messageId: string;
  senderId: string;
  /** Who recalls it (the author, or a group owner/admin). */
  recalledBy: string;
  content: Record<string, unknown>;
  attachments: Record<string, unknown>[];
}

export type RecallHook = (message: RecalledMessage) => Promise<void>;

@Injectable()
export class MessageRecallHooks {
  private readonly hooks: RecallHook[] = [];

  /** Called by a module once, at init (OnModuleInit). */
  register(hook: RecallHook): void {
    this.hooks.push(hook);
  }

  async run(message: RecalledMessage): Promise<void> {
    for (const hook of this.hooks) await hook(message);
  }
}
