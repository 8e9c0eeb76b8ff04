import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { ContactModule } from '../contact';
import { ConversationModule } from '../conversation';
import { MessageModule } from '../message';
import { GroupHandler } from './group.handler';
import { GroupMembershipSync } from './group-membership-sync';
import { GroupService } from './group.service';

/**
 * group/create, add, remove, leave, members, list. Groups are conversations: created and changed
 * through the conversation module's ports; group/list takes its page from the conversation module
 * and last messages and unread counts from the message module's MessageSummaries port. UsersService from AuthModule for user existence, ContactGate for blocks (someone who
 * blocked me is an unknown id to me), and the global NotificationService for membership notifications.
 */
@Module({
  imports: [AuthModule, ConversationModule, ContactModule, MessageModule],
  controllers: [GroupHandler],
  providers: [GroupService, GroupMembershipSync],
  exports: [GroupMembershipSync],
})
export class GroupModule {}
