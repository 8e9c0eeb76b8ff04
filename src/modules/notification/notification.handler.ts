import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CurrentUser } from '../../common/decorators/connection.decorator';
import { NotificationCommands } from '../../shared/protocol';
import { NotificationAckRequest, NotificationAckResponse, NotificationListRequest, NotificationListResponse } from '../../shared/protocol/messages/notification.messages';
import type { Reply } from '../../shared/protocol/messages/response-fields';
import { NotificationService } from './notification.service';

/** notification/ack and notification/list: the durable half of notification/event. */
@Controller()
export class NotificationHandler {
  constructor(private readonly notifications: NotificationService) {}

  @MessagePattern(NotificationCommands.ACK.name, { acceptsEvents: true })
  ack(@Payload() dto: NotificationAckRequest, @CurrentUser() userId: string): Promise<Reply<NotificationAckResponse>> {
    return this.notifications.ack(userId, dto.notification_ids);
  }

  @MessagePattern(NotificationCommands.LIST.name)
  list(@Payload() dto: NotificationListRequest, @CurrentUser() userId: string): Promise<Reply<NotificationListResponse>> {
    return this.notifications.list(userId, dto.limit ?? 50, dto.cursor);
  }
}
