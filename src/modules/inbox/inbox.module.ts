import { Module, OnModuleInit } from '@nestjs/common';
import { ConversationModule, ConversationRepository } from '../conversation';
import { MessageModule, MessageSendChecks } from '../message';
import { PinModule } from '../pin';
import { InboxHandler } from './inbox.handler';
import { InboxService } from './inbox.service';
import { mentionCheck } from './mention.check';
import { UnreadTotals } from './unread-totals';

/**
 * The inbox: conversation/list, conversation/read (read position for all my devices),
 * conversation/mute, and the check of `content.mentions` on message/send. It owns no table:
 * mute and positions are the conversation module's, messages and counts the message module's.
 */
@Module({
  imports: [ConversationModule, MessageModule, PinModule],
  controllers: [InboxHandler],
  providers: [InboxService, UnreadTotals],
  exports: [UnreadTotals],
})
export class InboxModule implements OnModuleInit {
  constructor(
    private readonly checks: MessageSendChecks,
    private readonly conversations: ConversationRepository,
  ) {}

  onModuleInit(): void {
    this.checks.register(mentionCheck(this.conversations));
  }
}
