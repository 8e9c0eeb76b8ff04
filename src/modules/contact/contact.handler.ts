import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CurrentUser } from '../../common/decorators/connection.decorator';
import { ContactCommands } from '../../shared/protocol';
import { ContactChangeResponse, ContactListRequest, ContactListResponse, ContactRefRequest, ContactRequestRequest } from '../../shared/protocol/messages/contact.messages';
import { ContactService } from './contact.service';

/** Contact commands. Changes are `ordered`, so a request then a remove pipelined on one connection apply in order. */
@Controller()
export class ContactHandler {
  constructor(private readonly contacts: ContactService) {}

  @MessagePattern(ContactCommands.REQUEST.name, { ordered: true })
  request(@Payload() dto: ContactRequestRequest, @CurrentUser() userId: string): Promise<ContactChangeResponse> {
    return this.contacts.request(userId, dto, dto.note);
  }

  @MessagePattern(ContactCommands.ACCEPT.name, { ordered: true })
  accept(@Payload() dto: ContactRefRequest, @CurrentUser() userId: string): Promise<ContactChangeResponse> {
    return this.contacts.accept(userId, dto);
  }

  @MessagePattern(ContactCommands.DECLINE.name, { ordered: true })
  decline(@Payload() dto: ContactRefRequest, @CurrentUser() userId: string): Promise<ContactChangeResponse> {
    return this.contacts.decline(userId, dto);
  }

  @MessagePattern(ContactCommands.REMOVE.name, { ordered: true })
  remove(@Payload() dto: ContactRefRequest, @CurrentUser() userId: string): Promise<ContactChangeResponse> {
    return this.contacts.remove(userId, dto);
  }

  @MessagePattern(ContactCommands.BLOCK.name, { ordered: true })
  block(@Payload() dto: ContactRefRequest, @CurrentUser() userId: string): Promise<ContactChangeResponse> {
    return this.contacts.block(userId, dto);
  }

  @MessagePattern(ContactCommands.UNBLOCK.name, { ordered: true })
  unblock(@Payload() dto: ContactRefRequest, @CurrentUser() userId: string): Promise<ContactChangeResponse> {
    return this.contacts.unblock(userId, dto);
  }

  @MessagePattern(ContactCommands.LIST.name)
  list(@Payload() dto: ContactListRequest, @CurrentUser() userId: string): Promise<ContactListResponse> {
    return this.contacts.list(userId, dto);
  }
}
