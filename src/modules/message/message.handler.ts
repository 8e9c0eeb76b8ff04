import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { CurrentSession, CurrentUser } from '../../common/decorators/connection.decorator';
import { MessageCommands } from '../../shared/protocol';
import type { SwitchboardContext } from '../../transport/switchboard.context';
import {
  AckMessageRequest,
  AckResponseDto,
  EditMessageRequest,
  MessageChangeResponseDto,
  MessageHistoryRequest,
  MessageThreadRequest,
  RecallMessageRequest,
  SendMessageRequest,
  ThreadPageDto,
} from '../../shared/protocol/messages/message.messages';
import type { Reply } from '../../shared/protocol/messages/response-fields';
import { MessageChangeService } from './message-change.service';
import { MessageSearchService } from './message-search.service';
import { MessageSearchRequest } from '../../shared/protocol/messages/search.messages';
import { HistoryService } from './history.service';
import { MessageService } from './message.service';
import { ReceiptService } from './receipt.service';

@Controller()
export class MessageHandler {
  constructor(
    private readonly messages: MessageService,
    private readonly receipts: ReceiptService,
    private readonly historyService: HistoryService,
    private readonly changes: MessageChangeService,
    private readonly searchService: MessageSearchService,
  ) {}

  /**
   * Ordered: sends pipelined on one connection are stored (and get seqs) in arrival order. Each
   * releases the lane once its write is queued, so they share group commits instead of waiting
   * for each other's.
   */
  @MessagePattern(MessageCommands.SEND.name, { ordered: true, idempotent: true })
  send(@Payload() dto: SendMessageRequest, @CurrentUser('session') me: CurrentSession, @Ctx() ctx: SwitchboardContext) {
    return this.messages.send({ senderId: me.userId, connectionId: me.connectionId, requestId: ctx.envelope.id, releaseOrder: ctx.releaseOrder }, dto);
  }

  /** Also accepted as a `type: "event"` frame (no response then). */
  @MessagePattern(MessageCommands.ACK.name, { acceptsEvents: true })
  ack(@Payload() dto: AckMessageRequest, @CurrentUser() userId: string): Promise<Reply<AckResponseDto>> {
    return this.receipts.ack(userId, dto);
  }

  @MessagePattern(MessageCommands.HISTORY.name)
  history(@Payload() dto: MessageHistoryRequest, @CurrentUser() userId: string) {
    return this.historyService.history(userId, dto);
  }

  /** Ordered: two quick edits from one connection take their seqs (and the last word) in the order sent. */
  @MessagePattern(MessageCommands.EDIT.name, { ordered: true })
  edit(@Payload() dto: EditMessageRequest, @CurrentUser('session') me: CurrentSession, @Ctx() ctx: SwitchboardContext): Promise<MessageChangeResponseDto> {
    return this.changes.edit({ userId: me.userId, connectionId: me.connectionId, requestId: ctx.envelope.id }, dto);
  }

  @MessagePattern(MessageCommands.RECALL.name, { ordered: true })
  recall(@Payload() dto: RecallMessageRequest, @CurrentUser('session') me: CurrentSession, @Ctx() ctx: SwitchboardContext): Promise<MessageChangeResponseDto> {
    return this.changes.recall({ userId: me.userId, connectionId: me.connectionId, requestId: ctx.envelope.id }, dto);
  }

  @MessagePattern(MessageCommands.THREAD.name)
  thread(@Payload() dto: MessageThreadRequest, @CurrentUser() userId: string): Promise<Reply<ThreadPageDto>> {
    return this.historyService.thread(userId, dto);
  }

  @MessagePattern(MessageCommands.SEARCH.name)
  search(@Payload() dto: MessageSearchRequest, @CurrentUser() userId: string) {
    return this.searchService.search(userId, dto);
  }
}
