import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { GroupHandler } from './group.handler';
import { GroupRepository } from './group.repository';
import { GroupService } from './group.service';

/**
 * group/create, add, remove, leave, members, list. Uses the messaging tables (conversations,
 * conversation_members, messages) owned by the message module, UsersService from AuthModule for
 * user existence, and the global NotificationService for membership notifications.
 */
@Module({
  imports: [AuthModule],
  controllers: [GroupHandler],
  providers: [GroupService, GroupRepository],
})
export class GroupModule {}
