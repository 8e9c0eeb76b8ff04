import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ContactBlockEntity } from './entities/contact-block.entity';
import { ContactEntity } from './entities/contact.entity';
import { AuthModule } from '../auth';
import { ContactGate } from './contact-gate';
import { ContactHandler } from './contact.handler';
import { ContactRepository } from './contact.repository';
import { ContactService } from './contact.service';

/**
 * Contacts: requests with durable notifications (through the global NotificationService),
 * accept/decline/remove, blocks, paged list. Exports the gate (message/send's direct-message
 * rule) and the repository's read side (presence audience, directory visibility).
 */
export const CONTACT_ENTITIES = [ContactEntity, ContactBlockEntity];

@Module({
  imports: [AuthModule, TypeOrmModule.forFeature(CONTACT_ENTITIES)],
  controllers: [ContactHandler],
  providers: [ContactRepository, ContactService, ContactGate],
  exports: [ContactGate, ContactRepository],
})
export class ContactModule {}
