/**
 * Checks other modules add to message/send without the message module importing them (the file
 * module registers one: files a message names must be shareable by the sender). They run inside
 * the send, after the payload passed validation and the message limits and after the target was
 * resolved, so a malformed send is answered 400 before any module-specific refusal, and a
 * module's check sees the conversation the message goes to.
 *
 * With nothing registered, `run` returns undefined synchronously: no await on the hot path.
 */
import { Injectable } from '@nestjs/common';
import type { SendMessageRequest } from '../../shared/protocol/messages/message.messages';

export interface SendCheckContext {
  senderId: string;
  conversationId: string;
  /** The payload as validated by the message DTO. */
  dto: SendMessageRequest;
}

/** Throws (or rejects with) a ProtocolError to refuse the send; anything else lets it through. */
export type SendCheck = (ctx: SendCheckContext) => Promise<void> | void;

@Injectable()
export class MessageSendChecks {
  private readonly checks: SendCheck[] = [];

  /** Called by a module once, at init (OnModuleInit), in module order. */
  register(check: SendCheck): void {
    this.checks.push(check);
  }

  run(ctx: SendCheckContext): Promise<void> | undefined {
    if (this.checks.length === 0) return undefined;
    return this.runAll(ctx);
  }

  private async runAll(ctx: SendCheckContext): Promise<void> {
    for (const check of this.checks) await check(ctx);
  }
}
