import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CurrentUser } from '../../common/decorators/connection.decorator';
import { UserCommands } from '../../shared/protocol';
import { UserLookupRequest, UserProfileRequest } from '../../shared/protocol/messages/user.messages';
import { DirectoryService } from './directory.service';

@Controller()
export class DirectoryHandler {
  constructor(private readonly directory: DirectoryService) {}

  @MessagePattern(UserCommands.LOOKUP.name)
  lookup(@Payload() dto: UserLookupRequest, @CurrentUser() userId: string) {
    return this.directory.lookup(userId, dto);
  }

  /** `ordered`: an update followed by a read on the same connection reads the update. */
  @MessagePattern(UserCommands.PROFILE.name, { ordered: true })
  profile(@Payload() dto: UserProfileRequest, @CurrentUser() userId: string) {
    return this.directory.profile(userId, dto);
  }
}
