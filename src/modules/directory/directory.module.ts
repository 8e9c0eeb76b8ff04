import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { ContactModule } from '../contact';
import { DirectoryHandler } from './directory.handler';
import { DirectoryService } from './directory.service';

/** The user directory: user/lookup and user/profile, under the DIRECTORY_VISIBILITY rule. */
@Module({
  imports: [AuthModule, ContactModule],
  controllers: [DirectoryHandler],
  providers: [DirectoryService],
})
export class DirectoryModule {}
