import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { ContactModule } from '../contact';
import { ConversationModule } from '../conversation';
import { GroupHandler } from './group.handler';
import { GroupRepository } from './group.repository';
import { GroupService } from './group.service';

/**
 * group/create, add, remove, leave, members, list. Groups are conversations: created and changed
 * through the conversation module's repository; group/list also reads the last message (message
 * module). UsersService from AuthModule for user existence, ContactGate for blocks (someone who
 * blocked me is an unknown id to me), and the global NotificationService for membership notifications.
 */
@Module({
  imports: [AuthModule, ConversationModule, ContactModule],
  controllers: [GroupHandler],
  providers: [GroupService, GroupRepository],
})
export class GroupModule {}
