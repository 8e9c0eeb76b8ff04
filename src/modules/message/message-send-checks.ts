/**
 * Checks other modules add to message/send without the message module importing them (the file
 * module registers one: files a message names must be shareable by the sender). They run inside
 * the send, after the payload passed validation and the message limits and after the target was
 * resolved, so a malformed send is answered 400 before any module-specific refusal, and a
 * module's check sees the conversation the message goes to.
 *
 * A check that has nothing to do returns undefined: then `run` does too, and the send awaits nothing.
 */
import { Injectable } from '@nestjs/common';
import type { SendMessageRequest } from '../../shared/protocol/messages/message.messages';

export interface SendCheckContext {
  senderId: string;
  conversationId: string;
  /** The payload as validated by the message DTO. */
  dto: SendMessageRequest;
}

/** Throws (or rejects with) a ProtocolError to refuse the send; undefined when it has nothing to check. */
export type SendCheck = (ctx: SendCheckContext) => Promise<void> | undefined;

@Injectable()
export class MessageSendChecks {
  private readonly checks: SendCheck[] = [];

  /** Called by a module once, at init (OnModuleInit), in module order. */
  register(check: SendCheck): void {
    this.checks.push(check);
  }

  /**
   * undefined when every check finished synchronously (no files named: the common case), so a
   * send awaits nothing extra; otherwise a promise for the remaining checks, run in order.
   */
  run(ctx: SendCheckContext): Promise<void> | undefined {
    for (let i = 0; i < this.checks.length; i++) {
      const pending = this.checks[i](ctx);
      if (pending) return this.finish(pending, i + 1, ctx);
    }
    return undefined;
  }

  private async finish(pending: Promise<void>, next: number, ctx: SendCheckContext): Promise<void> {
    await pending;
    for (let i = next; i < this.checks.length; i++) await this.checks[i](ctx);
  }
}
