import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConversationModule } from '../conversation';
import { MessageModule } from '../message';
import { MessagePinEntity } from './entities/message-pin.entity';
import { PinCounts } from './pin-counts.service';
import { PinHandler } from './pin.handler';
import { PinRepository } from './pin.repository';
import { PinService } from './pin.service';

export const PIN_ENTITIES = [MessagePinEntity];

/**
 * Pinned messages (pin/add, pin/remove, pin/list): its own table, changes announced through the
 * conversation's ordered stream. Built only on the message and conversation modules' public ports.
 */
@Module({
  imports: [TypeOrmModule.forFeature(PIN_ENTITIES), ConversationModule, MessageModule],
  controllers: [PinHandler],
  providers: [PinRepository, PinService, PinCounts],
  exports: [PinCounts],
})
export class PinModule {}
