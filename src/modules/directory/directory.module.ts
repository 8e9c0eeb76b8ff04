import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { ContactModule } from '../contact';
import { DirectoryHandler } from './directory.handler';
import { DirectoryRepository } from './directory.repository';
import { DirectoryService } from './directory.service';

/** The user directory: user/lookup and user/profile, under the DIRECTORY_VISIBILITY rule. */
@Module({
  imports: [AuthModule, ContactModule],
  controllers: [DirectoryHandler],
  providers: [DirectoryRepository, DirectoryService],
})
export class DirectoryModule {}
